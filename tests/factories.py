"""Test data factories (factory_boy) writing through the app's session."""
import datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Amendment,
    Case,
    CaseKind,
    CasePrincipleLink,
    Comment,
    DilemmaStatus,
    Membership,
    MembershipState,
    Offer,
    OpenStandard,
    Organisation,
    OrganisationKind,
    PriceModel,
    Principle,
    PrincipleVersion,
    ProjectStatus,
    Role,
    Rule,
    Solution,
    SolutionRevision,
    Theme,
    User,
    VerificationMethod,
    VersionStatus,
)
from smartsociety.text import slugify

TEST_PASSWORD = "een-heel-lang-wachtwoord"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Gemeente Testdorp {n}")
    name_key = factory.LazyAttribute(lambda o: Organisation.key_for(o.name))
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = OrganisationKind.GEMEENTE
    description = "Een organisatie om mee te testen."


class UserFactory(BaseFactory):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Lid {n}")
    email = factory.Sequence(lambda n: f"lid{n}@example.org")
    role = Role.MEMBER
    organisation = factory.SubFactory(OrganisationFactory)
    password_hash = ""
    # Members in tests have read their mail unless a test says otherwise.
    email_verified_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD, "pbkdf2:sha256:1000")
        if create:
            db.session.commit()

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        """The membership of `organisation`: verified unless a test gives another state
        (`membership=MembershipState.CLAIMED`), so whether a default member speaks for the
        organisation depends, as before issue 15, on the organisation being verified."""
        if obj.organisation is None:
            return
        state = extracted or MembershipState.VERIFIED
        db.session.add(Membership(
            user=obj, organisation=obj.organisation, state=state,
            method=VerificationMethod.MODERATOR if state is MembershipState.VERIFIED else None,
            decided_at=obj.created_at if state is MembershipState.VERIFIED else None,
            **kwargs,
        ))
        if create:
            db.session.commit()


class CaseFactory(BaseFactory):
    class Meta:
        model = Case

    kind = CaseKind.DILEMMA
    status = factory.LazyAttribute(
        lambda o: DilemmaStatus.OPEN.value if o.kind is CaseKind.DILEMMA else ProjectStatus.IDEA.value
    )
    title = factory.Sequence(lambda n: f"Moeten we sensoren registreren? ({n})")
    summary = "Een register van sensoren in de openbare ruimte."
    body = "Wij twijfelen of een **register** nodig is."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    language = "nl"
    author = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.author.organisation if o.author else None)


class CommentFactory(BaseFactory):
    class Meta:
        model = Comment

    case = factory.SubFactory(CaseFactory)
    author = factory.SubFactory(UserFactory)
    body = "Goede vraag."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))


class PrincipleVersionFactory(BaseFactory):
    """A version (adopted by default) with three numbered rules; give `principle=`."""

    class Meta:
        model = PrincipleVersion

    number = 1
    status = VersionStatus.ADOPTED
    title = factory.LazyAttribute(lambda o: o.principle.title)
    statement = "Een zin die het principe samenvat."
    explanation = "Uitleg met **nadruk**."
    explanation_html = "<p>Uitleg met <strong>nadruk</strong>.</p>"
    decision = factory.LazyAttribute(
        lambda o: "ALV 2019-11-29, agendapunt 7" if o.status is VersionStatus.ADOPTED else None
    )
    adopted_on = factory.LazyAttribute(
        lambda o: datetime.date(2019, 11, 29) if o.status is VersionStatus.ADOPTED else None
    )

    @factory.post_generation
    def rules(obj, create, extracted, **kwargs):
        texts = extracted or [f"Regel {n} van {obj.title}." for n in (1, 2, 3)]
        obj.rules = [Rule(number=n, text=text) for n, text in enumerate(texts, start=1)]
        if create:
            db.session.commit()


class PrincipleFactory(BaseFactory):
    """A principle with version 1 in `status` (adopted unless given)."""

    class Meta:
        model = Principle

    class Params:
        status = VersionStatus.ADOPTED

    number = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"principe-{n}")
    title = factory.Sequence(lambda n: f"Principe {n}")
    first_version = factory.RelatedFactory(
        PrincipleVersionFactory, factory_related_name="principle",
        status=factory.SelfAttribute("..status"),
    )


class AmendmentFactory(BaseFactory):
    class Meta:
        model = Amendment

    author = factory.SubFactory(UserFactory)
    text = "Een betere formulering van de regel."
    reason = "Dit is *duidelijker*."
    reason_html = "<p>Dit is <em>duidelijker</em>.</p>"


class CasePrincipleLinkFactory(BaseFactory):
    class Meta:
        model = CasePrincipleLink

    case = factory.SubFactory(CaseFactory)
    principle = factory.SubFactory(PrincipleFactory)
    note = "Raakt aan open data."


class OpenStandardFactory(BaseFactory):
    class Meta:
        model = OpenStandard

    name = factory.Sequence(lambda n: f"Standaard {n}")
    name_key = factory.LazyAttribute(lambda o: OpenStandard.key_for(o.name))


class SolutionFactory(BaseFactory):
    """A listing by a company (give `organisation=` for another provider)."""

    class Meta:
        model = Solution

    # Verified: only verified members of a verified provider list and offer (issue 15).
    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.BEDRIJF,
                                      name=factory.Sequence(lambda n: f"Bedrijf {n} B.V."),
                                      verified_at=factory.LazyFunction(
                                          lambda: datetime.datetime.now(datetime.UTC)))
    name = factory.Sequence(lambda n: f"Sensorplatform {n}")
    summary = "Een open platform voor sensoren in de openbare ruimte."
    description = "Meet **luchtkwaliteit** en geluid."
    description_html = factory.LazyAttribute(lambda o: render_markdown(o.description))
    hosting_location = "Amsterdam"
    jurisdiction = "Nederland"
    privacy_by_design = True
    price_model = PriceModel.SUBSCRIPTION
    contact = "info@example.org"

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        for theme in extracted or [Theme.DATAGEDREVEN]:
            obj.themes.append(theme)
        obj.revisions.append(SolutionRevision(data=obj.snapshot()))
        if create:
            db.session.commit()


class OfferFactory(BaseFactory):
    class Meta:
        model = Offer

    solution = factory.SubFactory(SolutionFactory)
    case = factory.SubFactory(CaseFactory)
    organisation_id = factory.LazyAttribute(lambda o: o.solution.organisation_id)
    explanation = "Wij kunnen helpen."


def verified_member(kind: OrganisationKind = OrganisationKind.GEMEENTE, organisation=None,
                    **user_fields) -> User:
    """A member who speaks for a verified organisation (of `kind`, or `organisation`): what the
    identity rules call a verified member (verified e-mail, VERIFIED membership, verified
    organisation). Tests of features that need one use this."""
    if organisation is None:
        organisation = OrganisationFactory(
            kind=kind, verified_at=datetime.datetime.now(datetime.UTC)
        )
    return UserFactory(organisation=organisation, **user_fields)


def claimed_member(kind: OrganisationKind = OrganisationKind.GEMEENTE, organisation=None,
                   **user_fields) -> User:
    """A member whose membership of a verified organisation is only claimed (not confirmed)."""
    if organisation is None:
        organisation = OrganisationFactory(
            kind=kind, verified_at=datetime.datetime.now(datetime.UTC)
        )
    return UserFactory(organisation=organisation, membership=MembershipState.CLAIMED,
                       **user_fields)


def saved(value=None):
    """Commit what a service called directly just did, and pass its result through: services
    only flush, the request (or command) that calls them commits (smartsociety/transaction.py).
    `saved(services.report(...))` in a test stands for that one commit."""
    db.session.commit()
    return value


def thread_of_every_kind(author, other, locked: bool = False, when=None):
    """A case by `author` with six comments of every state a thread shows (own, another's,
    hidden by a moderator, hidden, deleted, by a former member), locked if asked; not
    committed. The predicate tests compare rows with entities over it."""
    when = when or datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    case = CaseFactory(author=author)
    if locked:
        case.locked_at, case.locked_reason = when, "Klaar"
    comments = [
        CommentFactory(case=case, author=author),
        CommentFactory(case=case, author=other),
        CommentFactory(case=case, author=other, hidden_at=when, hidden_reason="spam"),
        CommentFactory(case=case, author=author, hidden_at=when),
        CommentFactory(case=case, author=other, deleted_at=when),
        CommentFactory(case=case, author=None),
    ]
    return case, comments
