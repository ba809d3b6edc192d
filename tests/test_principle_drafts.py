"""Principle drafts: the edit form shows the rule texts, and a moderator can discard a draft."""
import pytest
import sqlalchemy as sa

from smartsociety.models import AuditEntry, Principle, PrincipleVersion, Role, VersionStatus
from tests.factories import PrincipleFactory, UserFactory


@pytest.fixture
def moderator(db):
    return UserFactory(role=Role.MODERATOR)


def versions(db, principle_id) -> list[PrincipleVersion]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(PrincipleVersion).where(PrincipleVersion.principle_id == principle_id)
        .order_by(PrincipleVersion.number)
    ))


def test_new_version_form_is_filled_with_the_rule_texts(db, login, moderator):
    principle = PrincipleFactory()
    client = login(moderator)
    rules = [rule.text for rule in versions(db, principle.id)[0].rules]
    assert client.post(f"/principes/{principle.slug}/nieuwe-versie").status_code == 302
    page = client.get(f"/principes/{principle.slug}/versie/2/bewerken").get_data(as_text=True)
    assert "&lt;Rule" not in page and "<Rule" not in page
    for text in rules:
        assert text in page


def test_a_moderator_deletes_a_draft_version(db, login, moderator):
    principle = PrincipleFactory()
    client = login(moderator)
    client.post(f"/principes/{principle.slug}/nieuwe-versie")
    assert "Concept verwijderen" in client.get(
        f"/principes/{principle.slug}/versie/2").get_data(as_text=True)
    response = client.post(f"/principes/{principle.slug}/versie/2/verwijderen")
    assert response.status_code == 302
    assert [v.number for v in versions(db, principle.id)] == [1]
    assert db.session.scalar(
        sa.select(AuditEntry.action).where(AuditEntry.action == "principle_draft_delete"))


def test_deleting_the_only_draft_removes_the_unpublished_principle(db, login, moderator):
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    principle_id = principle.id
    response = login(moderator).post(f"/principes/{principle.slug}/versie/1/verwijderen")
    assert response.status_code == 302 and response.location.endswith("/principes/")
    assert db.session.get(Principle, principle_id) is None


@pytest.mark.parametrize("status", [VersionStatus.ADOPTED, VersionStatus.CONSULTATION])
def test_only_a_draft_can_be_deleted(db, login, moderator, status):
    principle = PrincipleFactory(status=status)
    response = login(moderator).post(f"/principes/{principle.slug}/versie/1/verwijderen")
    assert response.status_code == 409
    assert len(versions(db, principle.id)) == 1


def test_members_cannot_delete_drafts(db, login):
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    response = login(UserFactory()).post(f"/principes/{principle.slug}/versie/1/verwijderen")
    assert response.status_code in (403, 404)
    assert len(versions(db, principle.id)) == 1
