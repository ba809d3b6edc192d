"""Display names for enumerated values, in the reader's language; templates call `label(value)`."""
import enum

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from smartsociety.models import (
    AdoptionStage,
    CaseKind,
    Delivery,
    DilemmaStatus,
    EventKind,
    EventState,
    LegalBasis,
    OfferStatus,
    OrganisationKind,
    PartnerStatus,
    PersonalData,
    PriceModel,
    ProjectStatus,
    QuestionnaireStatus,
    ReportReason,
    RequirementKind,
    ReviewStatus,
    Role,
    SanctionKind,
    SensorStatus,
    SensorType,
    SizeClass,
    Theme,
    VersionStatus,
    VoteChoice,
    VoterGroup,
)
from smartsociety.notify.registry import event_label

LABELS: dict[enum.Enum, object] = {
    OrganisationKind.GEMEENTE: _l("Municipality"),
    OrganisationKind.BEDRIJF: _l("Company"),
    OrganisationKind.KENNISINSTELLING: _l("Research institution"),
    OrganisationKind.OVERIGE_OVERHEID: _l("Other government body"),
    OrganisationKind.MAATSCHAPPELIJK: _l("Civil society organisation"),
    Role.MEMBER: _l("Member"),
    Role.MODERATOR: _l("Moderator"),
    Role.ADMIN: _l("Administrator"),
    CaseKind.PROJECT: _l("Project"),
    CaseKind.DILEMMA: _l("Dilemma"),
    ProjectStatus.IDEA: _l("Idea"),
    ProjectStatus.PILOT: _l("Pilot"),
    ProjectStatus.RUNNING: _l("Running"),
    ProjectStatus.FINISHED: _l("Finished"),
    DilemmaStatus.OPEN: _l("Open"),
    DilemmaStatus.IN_DISCUSSION: _l("In discussion"),
    DilemmaStatus.ANSWERED: _l("Answered"),
    DilemmaStatus.CLOSED: _l("Closed"),
    Theme.INNOVATIE: _l("Innovation and research"),
    Theme.INFRASTRUCTUUR: _l("Shared infrastructure"),
    Theme.SAMEN_ORGANISEREN: _l("Organising and commissioning together"),
    Theme.DATAGEDREVEN: _l("Data-driven working"),
    Theme.DIENSTVERLENING: _l("Services to residents and businesses"),
    Theme.INFORMATIEBEVEILIGING: _l("Information security and privacy"),
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.CONSULTATION: _l("In consultation"),
    VersionStatus.ADOPTED: _l("Adopted"),
    VersionStatus.SUPERSEDED: _l("Superseded"),
    VoteChoice.AGREE: _l("Agree"),
    VoteChoice.DISAGREE: _l("Disagree"),
    VoteChoice.NO_OPINION: _l("No opinion"),
    VoterGroup.MUNICIPALITIES: _l("Municipalities"),
    VoterGroup.COMPANIES: _l("Companies"),
    VoterGroup.RESEARCHERS: _l("Researchers"),
    VoterGroup.OTHERS: _l("Others"),
    EventState.PROPOSED: _l("Proposed"),
    EventState.ANNOUNCED: _l("Announced"),
    EventState.REGISTRATION_OPEN: _l("Registration open"),
    EventState.FULL: _l("Full"),
    EventState.CANCELLED: _l("Cancelled"),
    EventState.PAST: _l("Past"),
    Delivery.IMMEDIATE: _l("Immediately"),
    Delivery.DAILY: _l("Daily digest"),
    Delivery.WEEKLY: _l("Weekly digest"),
    Delivery.NEVER: _l("Never"),
    PriceModel.FREE: _l("Free or open source"),
    PriceModel.SUBSCRIPTION: _l("Subscription"),
    PriceModel.LICENCE: _l("One-off licence"),
    PriceModel.PER_USE: _l("Pay per use"),
    PriceModel.ON_REQUEST: _l("Price on request"),
    OfferStatus.OFFERED: _l("Offered"),
    OfferStatus.IN_CONVERSATION: _l("In conversation"),
    OfferStatus.CHOSEN: _l("Chosen"),
    OfferStatus.WITHDRAWN: _l("Withdrawn by the provider"),
    ReportReason.SPAM: _l("Spam"),
    ReportReason.OFFENSIVE: _l("Offensive"),
    ReportReason.OFF_TOPIC: _l("Off-topic"),
    ReportReason.PERSONAL_DATA: _l("Contains personal data"),
    ReportReason.COMMERCIAL: _l("Misleading commercial content"),
    ReportReason.OTHER: _l("Other"),
    SanctionKind.WARNING: _l("Warning"),
    SanctionKind.SUSPENSION: _l("Suspension"),
    SizeClass.SMALL: _l("fewer than 20,000 inhabitants"),
    SizeClass.MEDIUM: _l("20,000 to 50,000 inhabitants"),
    SizeClass.LARGE: _l("50,000 to 100,000 inhabitants"),
    SizeClass.CITY: _l("more than 100,000 inhabitants"),
    # QuestionnaireStatus.DRAFT is "draft", the same key as VersionStatus.DRAFT ("Draft").
    QuestionnaireStatus.PUBLISHED: _l("Published"),
    QuestionnaireStatus.RETIRED: _l("Retired"),
    SensorType.CAMERA: _l("Camera"),
    SensorType.CAMERA_ANALYTICS: _l("Camera with image analysis"),
    SensorType.WIFI_TRACKER: _l("Wifi/bluetooth tracker"),
    SensorType.SOUND: _l("Sound sensor"),
    SensorType.AIR_QUALITY: _l("Air quality sensor"),
    SensorType.TRAFFIC_COUNTER: _l("Traffic counter"),
    SensorType.SMART_BILLBOARD: _l("Smart billboard"),
    SensorType.OTHER: _l("Other sensor"),
    SensorStatus.PLANNED: _l("Planned"),
    SensorStatus.ACTIVE: _l("Active"),
    SensorStatus.REMOVED: _l("Removed"),
    ReviewStatus.PENDING: _l("Awaiting review"),
    ReviewStatus.ACCEPTED: _l("Accepted by the municipality"),
    LegalBasis.CONSENT: _l("Consent"),
    LegalBasis.CONTRACT: _l("Performance of a contract"),
    LegalBasis.LEGAL_OBLIGATION: _l("Legal obligation"),
    LegalBasis.VITAL_INTERESTS: _l("Vital interests"),
    LegalBasis.PUBLIC_TASK: _l("Public task"),
    LegalBasis.LEGITIMATE_INTERESTS: _l("Legitimate interests"),
    PersonalData.YES: _l("Collects personal data"),
    PersonalData.NO: _l("No personal data"),
    ProjectStatus.SCALING: _l("Scaling up"),
    ProjectStatus.STANDARD: _l("Standardised service"),
    AdoptionStage.PLAN: _l("Plan"),
    AdoptionStage.IN_USE: _l("In use"),
    PartnerStatus.REQUESTED: _l("Asked to join"),
    PartnerStatus.ACCEPTED: _l("Partner"),
    PartnerStatus.DECLINED: _l("Declined"),
    RequirementKind.GIBIT: _l("Accepts GIBIT"),
    RequirementKind.STANDARD: _l("Supports an open standard"),
    RequirementKind.CERTIFICATION: _l("Holds a certification"),
    RequirementKind.EXIT_PLAN: _l("Has an exit plan"),
}

LANGUAGE_LABELS = {"nl": _l("Dutch"), "en": _l("English")}

# Notification kinds are labelled apart from LABELS, by the features that emit them
# (notify.registry): str enums with equal values are equal dict keys, so EventKind.ADOPTED
# ("adopted") once overwrote VersionStatus.ADOPTED's label and every adopted principle was badged
# "A principle adopted". tests/test_search_labels.py keeps LABELS free of such collisions.


def label(value) -> str:
    """The display name of an enum member (or of its stored string value, for statuses)."""
    if isinstance(value, EventKind):
        return event_label(value)
    if value in LABELS:
        return str(LABELS[value])
    for member, text in LABELS.items():
        if member.value == value:
            return str(text)
    if value in LANGUAGE_LABELS:
        return str(LANGUAGE_LABELS[value])
    return str(value)


def options(pairs, optgroup=None) -> list[SelectChoice]:
    """(value, label) pairs or SelectChoice objects as WTForms choices (WTForms 3.3 deprecates
    tuples), optionally grouped under `optgroup`."""
    result = []
    for pair in pairs:
        value, text = (pair.value, pair.label) if isinstance(pair, SelectChoice) else pair
        result.append(SelectChoice(value, text, optgroup=optgroup))
    return result


def choices(enum_cls: type[enum.Enum], optgroup=None) -> list[SelectChoice]:
    """The members of an enum with their display names, as choices for a select or radio field."""
    if enum_cls is EventKind:
        return options(((m.value, event_label(m)) for m in enum_cls), optgroup)
    return options(((m.value, LABELS.get(m, m.value)) for m in enum_cls), optgroup)
