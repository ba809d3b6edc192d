"""The demo organisations and members; each loader creates only what is missing."""
import sqlalchemy as sa

from smartsociety.demo import evaluation, events, marketplace, memberships, principles, together
from smartsociety.demo import privacy as privacy_demo
from smartsociety.demo import sensors as sensor_demo
from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Case,
    CaseKind,
    CaseRevision,
    Comment,
    DilemmaStatus,
    Organisation,
    OrganisationKind,
    ProjectStatus,
    Role,
    Tag,
    Theme,
    User,
    utcnow,
)
from smartsociety.progress import QUIET
from smartsociety.text import slugify

DEMO_PASSWORD = "demo-wachtwoord-2026"

ORGANISATIONS = [
    # name, kind, cbs code, website, description, verified
    ("Gemeente Turfbrug", OrganisationKind.GEMEENTE, "GM9901", "https://turfbrug.example",
     "Fictieve middelgrote gemeente in het veen, voorloper met sensoren in de openbare ruimte.",
     True),
    ("Gemeente Dijkhaven", OrganisationKind.GEMEENTE, "GM9902", "https://dijkhaven.example",
     "Fictieve havengemeente die experimenteert met slimme verlichting.", True),
    ("Gemeente Lindeveld", OrganisationKind.GEMEENTE, "GM9903", None,
     "Fictieve plattelandsgemeente met een datagedreven sociaal domein.", False),
    ("Sensorium B.V.", OrganisationKind.BEDRIJF, None, "https://sensorium.example",
     "Levert open sensorplatforms voor de openbare ruimte.", True),
    ("Datakompas", OrganisationKind.BEDRIJF, None, "https://datakompas.example",
     "Adviseert gemeenten over datagedreven werken en privacy.", False),
    ("Lectoraat Slimme Stad, Hogeschool Polder", OrganisationKind.KENNISINSTELLING, None,
     "https://hogeschoolpolder.example", "Onderzoek naar ethiek en techniek in de stad.", True),
]

USERS = [
    # e-mail, name, role, organisation
    ("beheer@turfbrug.example", "Anouk de Vries", Role.ADMIN, "Gemeente Turfbrug"),
    ("moderator@turfbrug.example", "Sanne Bakker", Role.MODERATOR, "Gemeente Turfbrug"),
    ("ambtenaar@turfbrug.example", "Pieter Jansen", Role.MEMBER, "Gemeente Turfbrug"),
    ("verkoop@sensorium.example", "Mila Visser", Role.MEMBER, "Sensorium B.V."),
    ("onderzoeker@hogeschoolpolder.example", "Daan Smit", Role.MEMBER,
     "Lectoraat Slimme Stad, Hogeschool Polder"),
    ("ambtenaar@dijkhaven.example", "Fatima El Amrani", Role.MEMBER, "Gemeente Dijkhaven"),
    ("stagiair@studentpost.example", "Joris Kok", Role.MEMBER, "Gemeente Turfbrug"),
]

# title, kind, status, author e-mail, themes, tags, summary, body, dilemma fields, comments
# (author e-mail, text, index of the comment replied to or None, accepted).
CASES = [
    (
        "Moeten wij een openbaar register van sensoren bijhouden?",
        CaseKind.DILEMMA, DilemmaStatus.IN_DISCUSSION, "ambtenaar@turfbrug.example",
        [Theme.DATAGEDREVEN, Theme.INFORMATIEBEVEILIGING], ["sensoren", "transparantie"],
        "Turfbrug hangt steeds meer sensoren op. Inwoners vragen wat er gemeten wordt.",
        "In Turfbrug hangen inmiddels **ruim 300 sensoren**: verkeerstellers, "
        "luchtkwaliteitsmeters en geluidsmeters bij het uitgaansgebied.\n\n"
        "Inwoners en de raad vragen om een openbaar overzicht. De afdeling beveiliging "
        "is terughoudend: een kaart met alle locaties maakt de infrastructuur kwetsbaar.",
        {
            "question": "Publiceren wij alle sensoren met locatie en doel, of alleen een "
                        "samenvatting per wijk?",
            "values_at_stake": "Transparantie en vertrouwen tegenover de beveiliging van "
                               "vitale infrastructuur.",
            "tried": "Een proef met een samenvatting per wijk; inwoners vonden die te vaag.",
            "legal_frame": "AVG (bij camera's en wifi-tellers), Wet open overheid.",
        },
        [
            ("verkoop@sensorium.example", "Wij leveren een open register via een API. "
             "Gevoelige locaties kun je **vertraagd of afgerond** publiceren.", None, False),
            ("onderzoeker@hogeschoolpolder.example", "Ons onderzoek laat zien dat inwoners "
             "vooral het *doel* willen weten, minder de exacte plek.", 0, False),
            ("ambtenaar@turfbrug.example", "> vooral het doel willen weten\n\n"
             "Dat sluit aan bij wat wij horen. Hebben jullie een rapport?", 1, False),
        ],
    ),
    (
        "Slimme lantaarnpalen in de haven van Dijkhaven",
        CaseKind.PROJECT, ProjectStatus.PILOT, "ambtenaar@dijkhaven.example",
        [Theme.INFRASTRUCTUUR, Theme.INNOVATIE], ["slimme verlichting", "energie"],
        "Veertig lantaarnpalen dimmen als er niemand is en meten drukte.",
        "Sinds maart test Dijkhaven veertig lantaarnpalen in het havengebied die dimmen als er "
        "niemand in de buurt is. De palen tellen passanten **zonder camera's**.\n\n"
        "- 35% minder energie in de eerste drie maanden\n"
        "- geen klachten over onveiligheid\n"
        "- wel vragen over wat de tellers registreren",
        {},
        [
            ("onderzoeker@hogeschoolpolder.example", "Mooi resultaat. Meten jullie ook het "
             "effect op vleermuizen? Dat speelt in veel havengebieden.", None, False),
        ],
    ),
    (
        "Algoritme voor de volgorde van huisbezoeken in het sociaal domein",
        CaseKind.DILEMMA, DilemmaStatus.ANSWERED, "ambtenaar@turfbrug.example",
        [Theme.DATAGEDREVEN, Theme.DIENSTVERLENING], ["algoritmes", "sociaal domein"],
        "Mag een model bepalen welke huishoudens als eerste bezoek krijgen?",
        "Het wijkteam wil een eenvoudig model gebruiken om te bepalen welke huishoudens met "
        "schulden als eerste een huisbezoek krijgen.",
        {
            "question": "Is een rangorde door een model verantwoord als een medewerker de "
                        "uiteindelijke keuze maakt?",
            "values_at_stake": "Snelle hulp voor wie die het hardst nodig heeft tegenover het "
                               "risico op vooringenomenheid.",
            "tried": "",
            "legal_frame": "AVG artikel 22, het Algoritmeregister.",
        },
        [
            ("onderzoeker@hogeschoolpolder.example", "Ja, mits je het model in het "
             "Algoritmeregister zet, de invoer uitlegt en periodiek op bias toetst.",
             None, True),
        ],
    ),
]

DEMO_USERS_SUMMARY = [
    (email, role.value, memberships.describe(email, org)) for email, _name, role, org in USERS
]


def load(password_method: str, progress=QUIET) -> int:
    """Create missing demo records; return how many were created. `progress` is told each
    part (organisations, members, then each feature's demo data) as it is loaded."""
    created = 0
    steps = [
        lambda: memberships.load([email for email, *_rest in USERS]),
        principles.load,
        _load_cases,
        marketplace.load,
        evaluation.load,
        events.load,
        sensor_demo.load,
        privacy_demo.load,
        together.load,
    ]
    progress.start(2 + len(steps))
    organisations = {}
    for name, kind, cbs, website, description, verified in ORGANISATIONS:
        org = db.session.scalar(
            sa.select(Organisation).where(Organisation.name_key == Organisation.key_for(name))
        )
        if org is None:
            org = Organisation(
                name=name,
                name_key=Organisation.key_for(name),
                slug=slugify(name),
                kind=kind,
                cbs_code=cbs,
                website=website,
                description=description,
            )
            if verified:
                org.verified_at = utcnow()
            db.session.add(org)
            created += 1
        organisations[name] = org
    db.session.flush()
    progress.advance()
    for email, name, role, org_name in USERS:
        if db.session.scalar(User.by_email(email)) is None:
            user = User(name=name, email=email, role=role, organisation=organisations[org_name],
                        email_verified_at=utcnow())  # demo addresses count as confirmed
            user.set_password(DEMO_PASSWORD, password_method)
            db.session.add(user)
            created += 1
    db.session.flush()
    progress.advance()
    for step in progress.iterate(steps):
        created += step()
    return created


def _tags(names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        slug = slugify(name, 60)
        tag = db.session.scalar(sa.select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(slug=slug, name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def _load_cases() -> int:
    created = 0
    for title, kind, status, email, themes, tags, summary, body, fields, comments in CASES:
        if db.session.scalar(sa.select(Case.id).where(Case.title == title)) is not None:
            continue
        author = db.session.scalar(User.by_email(email))
        case = Case(
            kind=kind, status=status.value, title=title, summary=summary, body=body,
            body_html=render_markdown(body), language="nl", author=author,
            organisation=author.organisation, tags=_tags(tags), **fields,
        )
        for theme in themes:
            case.themes.append(theme)
        db.session.add(case)
        db.session.flush()
        case.revisions.append(CaseRevision(editor=author, data=case.snapshot()))
        added: list[Comment] = []
        for commenter, text, parent, accepted in comments:
            comment = Comment(
                case=case, author=db.session.scalar(User.by_email(commenter)),
                parent_id=added[parent].id if parent is not None else None,
                body=text, body_html=render_markdown(text),
                accepted_at=utcnow() if accepted else None,
            )
            db.session.add(comment)
            db.session.flush()
            added.append(comment)
        case.comment_count = len(added)
        created += 1 + len(added)
    db.session.flush()
    return created
