"""E-mail verification end to end through a real SMTP server (aiosmtpd), the rule that only
members with a verified address contribute, changing the address, and bad links."""
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from smartsociety.accounts.tokens import RESET_PASSWORD, VERIFY_EMAIL, make_token
from smartsociety.models import Case, User
from smartsociety.permissions import can_comment, can_contribute, can_create_case
from smartsociety.signals import email_verified
from tests.factories import TEST_PASSWORD, CaseFactory, OrganisationFactory, UserFactory
from tests.mailbox import link_in, messages_to, text_of

GOOD_PASSWORD = "paars-fietsenrek-onder-de-brug"


def register(client, email="nieuw@gemeente.example", organisation=None, **changes):
    organisation = organisation or OrganisationFactory()
    data = {"name": "Noor Nieuw", "email": email, "password": GOOD_PASSWORD,
            "password_confirm": GOOD_PASSWORD, "organisation": str(organisation.id),
            "new_organisation_kind": "gemeente"}
    data.update(changes)
    return client.post("/registreren", data=data)


def test_register_then_verify_through_the_link_in_the_mail(client, db, smtp_server):
    received = []

    def receiver(sender, **_):
        received.append(sender.id)

    email_verified.connect(receiver)
    try:
        response = register(client)
        assert response.status_code == 302
        assert "nieuw@gemeente.example" in client.get("/registreren/controleer-uw-mail").text
        [mail] = messages_to(smtp_server, "nieuw@gemeente.example")
        user = db.session.scalar(User.by_email("nieuw@gemeente.example"))
        assert user.email_verified_at is None
        link = link_in(mail, "/e-mailadres/bevestigen/")
        response = client.get(link)
        assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
        db.session.refresh(user)
        assert user.email_verified_at is not None
        assert received == [user.id]
        # Single use: the same link again is a clear page, not a second verification.
        again = client.get(link)
        assert again.status_code == 400 and "al gebruikt" in again.text
        assert received == [user.id]
    finally:
        email_verified.disconnect(receiver)


def test_unverified_member_reads_and_follows_but_cannot_contribute(login, db):
    user = UserFactory(email_verified_at=None)
    case = CaseFactory()
    client = login(user)
    assert not can_contribute(user) and not can_create_case(user)
    assert not can_comment(user, case)
    page = client.get(f"/casussen/{case.id}")
    assert page.status_code == 200
    assert 'id="comment-form"' not in page.text  # the form is not shown ...
    assert "Bevestig uw e-mailadres" in page.text  # ... and the banner says why
    assert client.get("/casussen/nieuw").status_code == 403
    response = client.post(f"/casussen/{case.id}/reacties", data={"body": "Hallo", "submit": "1"})
    assert response.status_code == 403
    assert client.post(f"/volgen/case/{case.id}", data={"next": "/"}).status_code == 302
    verified = login(UserFactory())
    assert 'id="comment-form"' in verified.get(f"/casussen/{case.id}").text
    assert "Bevestig uw e-mailadres" not in verified.get("/").text


def test_send_again_is_rate_limited_and_honest(login, db, app, smtp_server):
    app.config["VERIFY_RESEND_LIMIT"] = "2 per hour"
    user = UserFactory(email="traag@example.org", email_verified_at=None)
    client = login(user)
    assert client.post("/e-mailadres/opnieuw-versturen").status_code == 302
    assert "We hebben een link" in client.get("/").text  # sent: the banner says when
    assert client.post("/e-mailadres/opnieuw-versturen").status_code == 302
    assert client.post("/e-mailadres/opnieuw-versturen").status_code == 429
    assert len(messages_to(smtp_server, "traag@example.org")) == 2


def test_banner_never_says_sent_when_the_mail_failed(login, db, app, smtp_server):
    app.config.update(MAIL_PORT=1)  # nothing listens there
    user = UserFactory(email_verified_at=None)
    client = login(user)
    client.post("/e-mailadres/opnieuw-versturen")
    page = client.get("/").text
    assert "nog niet versturen" in page and "We hebben een link" not in page


def test_background_delivery_sends_after_the_response(client, db, app, smtp_server):
    app.config["ACCOUNT_MAIL_DELIVERY"] = "background"
    register(client, email="later@gemeente.example")
    for _ in range(200):
        if messages_to(smtp_server, "later@gemeente.example"):
            break
        time.sleep(0.05)
    [mail] = messages_to(smtp_server, "later@gemeente.example")
    assert "/e-mailadres/bevestigen/" in text_of(mail)


def test_registration_does_not_reveal_existing_accounts(client, db, smtp_server, app):
    UserFactory(email="bestaand@gemeente.example", name="Bram Bestaand")
    organisation = OrganisationFactory()
    existing = register(client, email="bestaand@gemeente.example", organisation=organisation)
    fresh = register(app.test_client(), email="vers@gemeente.example", organisation=organisation)
    assert existing.status_code == fresh.status_code == 302
    assert existing.headers["Location"] == fresh.headers["Location"]
    # The owner is told by mail instead; no second account.
    [notice] = messages_to(smtp_server, "bestaand@gemeente.example")
    assert "al een account" in text_of(notice)
    assert "/e-mailadres/bevestigen/" not in text_of(notice)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_registration_is_rate_limited_per_client_address(client, db, app):
    app.config["REGISTER_LIMIT"] = "2 per hour"
    organisation = OrganisationFactory()
    assert register(client, email="a@x.example", organisation=organisation).status_code == 302
    assert register(client, email="b@x.example", organisation=organisation).status_code == 302
    assert register(client, email="c@x.example", organisation=organisation).status_code == 429
    assert db.session.scalar(User.by_email("c@x.example")) is None


def test_change_email_verifies_the_new_address_and_tells_the_old(login, db, smtp_server):
    user = UserFactory(email="oud@example.org")
    client = login(user)
    assert client.get("/e-mailadres/wijzigen").status_code == 200
    wrong = client.post("/e-mailadres/wijzigen",
                        data={"email": "nieuw@example.org", "password": "fout-wachtwoord"})
    assert wrong.status_code == 422
    response = client.post("/e-mailadres/wijzigen",
                           data={"email": "Nieuw@Example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "oud@example.org"  # not used before it is proven
    [mail] = messages_to(smtp_server, "nieuw@example.org")
    link = link_in(mail, "/e-mailadres/wijzigen/")
    assert client.get(link).status_code == 302
    db.session.refresh(user)
    assert user.email == "nieuw@example.org" and user.email_verified_at is not None
    [notice] = messages_to(smtp_server, "oud@example.org")
    assert "nieuw@example.org" in text_of(notice)
    assert client.get(link).status_code == 400  # used


def test_change_to_an_address_with_an_account_reveals_nothing(login, db, smtp_server):
    UserFactory(email="bezet@example.org")
    user = UserFactory(email="ik@example.org")
    client = login(user)
    response = client.post("/e-mailadres/wijzigen",
                           data={"email": "bezet@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 302
    [mail] = messages_to(smtp_server, "bezet@example.org")
    assert "/e-mailadres/wijzigen/" not in text_of(mail)
    db.session.refresh(user)
    assert user.email == "ik@example.org"


@pytest.mark.parametrize("mangle", ["tamper", "wrong-purpose", "foreign", "garbage", "huge"])
def test_bad_verification_links_give_a_clear_page(client, db, app, mangle):
    user = UserFactory(email_verified_at=None)
    token = make_token(user, VERIFY_EMAIL)
    if mangle == "tamper":
        token = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    elif mangle == "wrong-purpose":
        token = make_token(user, RESET_PASSWORD)
    elif mangle == "foreign":
        other = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "another-site-with-another-key-entirely"
        token = make_token(user, VERIFY_EMAIL)
        app.config["SECRET_KEY"] = other
    elif mangle == "garbage":
        token = "../../etc/passwd%00<script>"
    else:
        token = "a" * 5000
    response = client.get(f"/e-mailadres/bevestigen/{token}")
    assert response.status_code == 400
    assert "Deze link kunt u niet gebruiken" in response.text
    db.session.refresh(user)
    assert user.email_verified_at is None


def test_expired_verification_link(client, db, monkeypatch):
    user = UserFactory(email_verified_at=None)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) - 4 * 24 * 3600)
    token = make_token(user, VERIFY_EMAIL)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = client.get(f"/e-mailadres/bevestigen/{token}")
    assert response.status_code == 410 and "verlopen" in response.text
    assert db.session.scalar(sa.select(Case)) is None


def test_every_contribution_predicate_asks_for_a_verified_address(db):
    from smartsociety import permissions as p
    from smartsociety.models import OrganisationKind, PrincipleVersion, VersionStatus, utcnow
    from tests.factories import CommentFactory, PrincipleFactory, SolutionFactory

    # Verified organisations: acting for one also needs a verified membership (issue 15).
    gemeente = OrganisationFactory(kind=OrganisationKind.GEMEENTE, verified_at=utcnow())
    company = OrganisationFactory(kind=OrganisationKind.BEDRIJF, name="Bedrijf X B.V.",
                                  verified_at=utcnow())
    version = db.session.scalar(sa.select(PrincipleVersion).where(
        PrincipleVersion.principle_id == PrincipleFactory(status=VersionStatus.CONSULTATION).id))
    solution, case, comment = SolutionFactory(), CaseFactory(), CommentFactory()
    for verified_at in (None, "now"):
        kwargs = {} if verified_at else {"email_verified_at": None}
        official = UserFactory(organisation=gemeente, **kwargs)
        seller = UserFactory(organisation=company, **kwargs)
        answers = [
            p.can_create_case(official), p.can_comment(official, case),
            p.can_react(official, comment),
            p.can_take_part_in_consultation(official, version),
            p.can_record_use(official, solution), p.can_contact_provider(official, solution),
            p.can_report(official, case), p.can_publish_solution(seller),
            p.can_offer_solution(seller, case),
        ]
        assert answers == [bool(verified_at)] * len(answers)
