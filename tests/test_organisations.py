"""Organisations: directory with filter and search, detail page, verification and editing."""
import pytest

from smartsociety.models import Organisation, OrganisationKind, Role, utcnow
from tests.factories import OrganisationFactory, UserFactory


def test_directory_lists_organisations(client, db):
    OrganisationFactory(name="Gemeente Alfa")
    OrganisationFactory(name="Bedrijf Beta", kind=OrganisationKind.BEDRIJF)
    response = client.get("/organisaties")
    assert response.status_code == 200
    assert b"Gemeente Alfa" in response.data and b"Bedrijf Beta" in response.data


def test_directory_filter_by_kind(client, db):
    OrganisationFactory(name="Gemeente Alfa")
    OrganisationFactory(name="Bedrijf Beta", kind=OrganisationKind.BEDRIJF)
    response = client.get("/organisaties?kind=bedrijf")
    assert b"Bedrijf Beta" in response.data and b"Gemeente Alfa" not in response.data


def test_directory_search_by_name(client, db):
    OrganisationFactory(name="Gemeente Alfa")
    OrganisationFactory(name="Gemeente Gamma")
    response = client.get("/organisaties?q=gAMMA")
    assert b"Gemeente Gamma" in response.data and b"Gemeente Alfa" not in response.data
    # LIKE wildcards are taken literally.
    response = client.get("/organisaties?q=%25")
    assert b"Gemeente Gamma" not in response.data


def test_directory_bad_filters_are_ignored(client, db):
    OrganisationFactory(name="Gemeente Alfa")
    response = client.get("/organisaties?kind=onzin&page=-3&q=" + "x" * 500)
    assert response.status_code == 200


def test_directory_is_paginated_and_keeps_filters(app, client, db):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        OrganisationFactory(name=f"Bedrijf {n}", kind=OrganisationKind.BEDRIJF)
    OrganisationFactory(name="Gemeente Alfa")
    response = client.get("/organisaties?kind=bedrijf")
    html = response.get_data(as_text=True)
    assert "Bedrijf 0" in html and "Bedrijf 2" not in html
    assert "kind=bedrijf&amp;page=2" in html or "page=2&amp;kind=bedrijf" in html
    response = client.get("/organisaties?kind=bedrijf&page=3")
    assert b"Bedrijf 4" in response.data


def test_detail_page(client, db):
    org = OrganisationFactory(
        name="Gemeente Delta", cbs_code="GM0001", website="https://delta.example",
        verified_at=utcnow(),
    )
    UserFactory(name="Zara Lid", organisation=org)
    UserFactory(name="Bram Moderator", organisation=org, role=Role.MODERATOR)
    response = client.get(f"/organisaties/{org.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "GM0001" in html and "https://delta.example" in html
    assert "badge-verified" in html
    assert html.index("Bram Moderator") < html.index("Zara Lid")
    # Anonymous visitors see no moderator controls.
    assert "/verificatie" not in html and "/bewerken" not in html


def test_detail_unknown_slug_404(client):
    assert client.get("/organisaties/bestaat-niet").status_code == 404


@pytest.mark.parametrize(
    "role, allowed",
    [(None, False), (Role.MEMBER, False), (Role.MODERATOR, True), (Role.ADMIN, True)],
)
def test_who_may_verify(client, login, db, role, allowed):
    org = OrganisationFactory()
    visitor = client if role is None else login(UserFactory(role=role))
    response = visitor.post(f"/organisaties/{org.slug}/verificatie", data={"verified": "1"})
    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/inloggen")
    else:
        assert response.status_code == (302 if allowed else 403)
    assert db.session.get(Organisation, org.id).is_verified is allowed


def test_moderator_verifies_and_unverifies(login, db):
    org = OrganisationFactory()
    moderator = login(UserFactory(role=Role.MODERATOR))
    page = moderator.get(f"/organisaties/{org.slug}").get_data(as_text=True)
    assert f'action="/organisaties/{org.slug}/verificatie"' in page
    moderator.post(f"/organisaties/{org.slug}/verificatie", data={"verified": "1"})
    assert db.session.get(Organisation, org.id).is_verified
    moderator.post(f"/organisaties/{org.slug}/verificatie", data={"verified": "0"})
    assert not db.session.get(Organisation, org.id).is_verified
    response = moderator.post(f"/organisaties/{org.slug}/verificatie", data={"verified": "x"})
    assert response.status_code == 400
    assert moderator.get(f"/organisaties/{org.slug}/verificatie").status_code == 405


@pytest.mark.parametrize(
    "role, allowed",
    [(None, False), (Role.MEMBER, False), (Role.MODERATOR, True), (Role.ADMIN, True)],
)
def test_who_may_edit(client, login, db, role, allowed):
    org = OrganisationFactory(name="Gemeente Oud", cbs_code="GM0002")
    visitor = client if role is None else login(UserFactory(role=role))
    assert visitor.get(f"/organisaties/{org.slug}/bewerken").status_code == (
        302 if role is None else 200 if allowed else 403
    )
    response = visitor.post(
        f"/organisaties/{org.slug}/bewerken",
        data={"name": "Gemeente Nieuw", "kind": "gemeente", "cbs_code": "GM0002",
              "website": "", "description": "Nieuw."},
    )
    assert response.status_code == (302 if role is None else 302 if allowed else 403)
    assert (db.session.get(Organisation, org.id).name == "Gemeente Nieuw") is allowed


def test_edit_keeps_slug_and_updates_fields(login, db):
    org = OrganisationFactory(name="Gemeente Oud", cbs_code="GM0002")
    slug = org.slug
    moderator = login(UserFactory(role=Role.MODERATOR))
    response = moderator.post(
        f"/organisaties/{slug}/bewerken",
        data={"name": "Gemeente Nieuw", "kind": "gemeente", "cbs_code": "gm0003",
              "website": "https://nieuw.example", "description": "Beschrijving."},
    )
    assert response.headers["Location"] == f"/organisaties/{slug}"
    org = db.session.get(Organisation, org.id)
    assert (org.name, org.name_key, org.cbs_code, org.website, org.slug) == (
        "Gemeente Nieuw", "gemeente nieuw", "GM0003", "https://nieuw.example", slug
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": "n" * 161},
        {"kind": "gemeente", "cbs_code": ""},
        {"cbs_code": "AB1234"},
        {"kind": "onzin"},
        {"website": "geen url"},
        {"website": "javascript://example.com/%0Aalert(1)"},
        {"website": "ftp://example.com/"},
        {"website": "https://" + "w" * 300 + ".nl"},
        {"description": "d" * 5001},
        {"name": "Gemeente Bezet"},
        {"cbs_code": "GM0999"},
    ],
)
def test_edit_bad_input_gives_422(login, db, changes):
    OrganisationFactory(name="Gemeente Bezet", cbs_code="GM0999")
    org = OrganisationFactory(name="Gemeente Oud", cbs_code="GM0002")
    data = {"name": "Gemeente Oud", "kind": "gemeente", "cbs_code": "GM0002", "website": "",
            "description": ""}
    data.update(changes)
    response = login(UserFactory(role=Role.MODERATOR)).post(
        f"/organisaties/{org.slug}/bewerken", data=data
    )
    assert response.status_code == 422
    assert db.session.get(Organisation, org.id).name == "Gemeente Oud"


def test_non_municipality_loses_cbs_code(login, db):
    org = OrganisationFactory(name="Was Gemeente", cbs_code="GM0002")
    login(UserFactory(role=Role.ADMIN)).post(
        f"/organisaties/{org.slug}/bewerken",
        data={"name": "Was Gemeente", "kind": "bedrijf", "cbs_code": "GM0002", "website": "",
              "description": ""},
    )
    org = db.session.get(Organisation, org.id)
    assert org.kind is OrganisationKind.BEDRIJF and org.cbs_code is None
