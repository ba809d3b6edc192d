"""Member administration: the member list, search, and role changes by administrators."""
import pytest

from smartsociety.models import Role, User
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "role, status", [(None, 302), (Role.MEMBER, 403), (Role.MODERATOR, 403), (Role.ADMIN, 200)]
)
def test_who_may_see_member_list(client, login, db, role, status):
    visitor = client if role is None else login(UserFactory(role=role))
    response = visitor.get("/beheer/leden")
    assert response.status_code == status
    if role is None:
        assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize(
    "role, status", [(None, 302), (Role.MEMBER, 403), (Role.MODERATOR, 403), (Role.ADMIN, 302)]
)
def test_who_may_change_roles(client, login, db, role, status):
    target = UserFactory()
    visitor = client if role is None else login(UserFactory(role=role))
    response = visitor.post(f"/beheer/leden/{target.id}/rol", data={"role": "moderator"})
    assert response.status_code == status
    expected = Role.MODERATOR if role is Role.ADMIN else Role.MEMBER
    assert db.session.get(User, target.id).role is expected


def test_member_list_shows_members_with_role_forms(login, db):
    admin = UserFactory(role=Role.ADMIN, name="Ada Beheer")
    member = UserFactory(name="Mo Lid", email="mo@example.org")
    html = login(admin).get("/beheer/leden").get_data(as_text=True)
    assert "Mo Lid" in html and "mo@example.org" in html
    assert f'action="/beheer/leden/{member.id}/rol"' in html
    assert f'<label for="role-{member.id}"' in html


def test_member_list_search_by_name_and_email(login, db):
    admin = UserFactory(role=Role.ADMIN, name="Ada Beheer", email="ada@example.org")
    UserFactory(name="Mo Lid", email="mo@voorbeeld.example")
    UserFactory(name="Kim Anders", email="kim@example.org")
    client = login(admin)
    html = client.get("/beheer/leden?q=mo+lid").get_data(as_text=True)
    assert "Mo Lid" in html and "Kim Anders" not in html
    html = client.get("/beheer/leden?q=VOORBEELD").get_data(as_text=True)
    assert "Mo Lid" in html and "Kim Anders" not in html
    assert client.get("/beheer/leden?q=" + "x" * 1000).status_code == 200


def test_member_list_is_paginated(app, login, db):
    app.config["PER_PAGE"] = 2
    admin = UserFactory(role=Role.ADMIN, name="Aaa Beheer")
    for n in range(4):
        UserFactory(name=f"Lid {n}")
    client = login(admin)
    first = client.get("/beheer/leden").get_data(as_text=True)
    assert "Lid 3" not in first and 'rel="next"' in first
    third = client.get("/beheer/leden?page=3").get_data(as_text=True)
    assert "Lid 3" in third


def test_admin_promotes_and_demotes(login, db):
    admin = UserFactory(role=Role.ADMIN)
    member = UserFactory()
    client = login(admin)
    response = client.post(
        f"/beheer/leden/{member.id}/rol", data={"role": "admin", "next": "/beheer/leden?q=x"}
    )
    assert response.headers["Location"] == "/beheer/leden?q=x"
    assert db.session.get(User, member.id).role is Role.ADMIN
    # With two administrators, one may step down.
    client.post(f"/beheer/leden/{admin.id}/rol", data={"role": "member"})
    assert db.session.get(User, admin.id).role is Role.MEMBER


def test_last_admin_cannot_be_removed(login, db):
    admin = UserFactory(role=Role.ADMIN)
    response = login(admin).post(f"/beheer/leden/{admin.id}/rol", data={"role": "moderator"})
    assert response.status_code == 409
    assert db.session.get(User, admin.id).role is Role.ADMIN


def test_role_change_refuses_bad_input(login, db):
    admin = UserFactory(role=Role.ADMIN)
    member = UserFactory()
    client = login(admin)
    assert client.post(f"/beheer/leden/{member.id}/rol", data={"role": "koning"}).status_code == 400
    assert client.post("/beheer/leden/999999/rol", data={"role": "member"}).status_code == 404
    response = client.post(
        f"/beheer/leden/{member.id}/rol",
        data={"role": "moderator", "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/beheer/leden"
    assert client.get(f"/beheer/leden/{member.id}/rol").status_code == 405
