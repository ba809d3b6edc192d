"""Test data factories (factory_boy) writing through the app's session."""
import factory
from factory.alchemy import SQLAlchemyModelFactory

from smartsociety.extensions import db
from smartsociety.markup import render_markdown
from smartsociety.models import (
    Case,
    CaseKind,
    Comment,
    DilemmaStatus,
    Organisation,
    OrganisationKind,
    ProjectStatus,
    Role,
    User,
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

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD, "pbkdf2:sha256:1000")
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
