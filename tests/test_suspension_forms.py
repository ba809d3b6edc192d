"""A suspended member sees the suspension and no forms they cannot use."""
from datetime import timedelta

from smartsociety.models import Role, Sanction, SanctionKind, utcnow
from tests.factories import CaseFactory, UserFactory


def test_a_suspended_member_sees_why_and_until_when_and_no_forms(db, login):
    member, case = UserFactory(), CaseFactory()
    moderator = UserFactory(role=Role.MODERATOR)
    client = login(member)
    page = client.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert 'id="comment-form"' in page
    db.session.add(Sanction(user_id=member.id, kind=SanctionKind.SUSPENSION, reason="Spam",
                            created_by_id=moderator.id, ends_at=utcnow() + timedelta(days=7)))
    db.session.commit()
    page = client.get(f"/casussen/{case.id}").get_data(as_text=True)
    assert "Uw account is geschorst tot" in page and "Reden: Spam" in page
    assert 'id="comment-form"' not in page and "comment-form" not in page.split("<main")[1]
    assert "/casussen/nieuw" not in client.get("/casussen").get_data(as_text=True)
    # Reading still works, and the banner is on every page.
    assert "Uw account is geschorst tot" in client.get("/").get_data(as_text=True)
