"""Contact messages: through the outbox with retries, notified in the app, answered in a
conversation in the site; the page never says "sent" for mail that failed."""
import sqlalchemy as sa

from smartsociety.models import (
    ContactMessage,
    ContactReply,
    EventKind,
    MailOutbox,
    Notification,
    OrganisationKind,
    utcnow,
)
from smartsociety.notify.outbox import drain_outbox
from tests.factories import OrganisationFactory, SolutionFactory, UserFactory


def _provider(**fields):
    """A verified company: only its verified members read its inbox."""
    return OrganisationFactory(kind=OrganisationKind.BEDRIJF, verified_at=utcnow(), **fields)


def _send(client, solution, body="Werkt het met onze GIS-omgeving?"):
    return client.post(f"/oplossingen/{solution.id}/contact",
                              data={"subject": "Vraag over koppeling", "body": body})


def test_a_refused_mail_server_loses_nothing_and_the_page_does_not_say_sent(app, db, login):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_SUPPRESS_SEND=False)
    solution = SolutionFactory(organisation=_provider(name="Sensorium B.V."))
    receiver = UserFactory(organisation=solution.organisation)
    sender = UserFactory(organisation=OrganisationFactory(kind=OrganisationKind.GEMEENTE))
    client = login(sender)
    response = _send(client, solution)
    assert response.status_code == 302
    message = db.session.scalar(sa.select(ContactMessage))
    assert response.location.endswith(f"/berichten/{message.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "verstuurd" not in page and "B.V.." not in page
    assert "Sensorium B.V. en de leden hebben een melding gekregen" in page
    # The receiver sees it in the app at once, whatever the mail does.
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == receiver.id))
    assert note.kind is EventKind.CONTACT
    assert drain_outbox() == 0  # connection refused
    outbox = db.session.scalar(sa.select(MailOutbox))
    assert outbox.sent_at is None and outbox.last_error and outbox.next_attempt_at


def test_the_reply_is_a_conversation_in_the_site(db, login):
    solution = SolutionFactory()
    receiver = UserFactory(organisation=solution.organisation)
    sender = UserFactory(organisation=OrganisationFactory(kind=OrganisationKind.GEMEENTE))
    _send(login(sender), solution)
    message = db.session.scalar(sa.select(ContactMessage))
    inbox = login(receiver).get(f"/organisaties/{solution.organisation.slug}/berichten")
    assert "mailto:" not in inbox.get_data(as_text=True)
    assert f"/berichten/{message.id}" in inbox.get_data(as_text=True)
    # The notification leads to the conversation.
    assert f"/berichten/{message.id}" in login(receiver).get("/meldingen").get_data(as_text=True)
    url = f"/berichten/{message.id}"
    assert login(receiver).post(url, data={"body": "Ja, via WMS."}).status_code == 302
    assert login(sender).post(url, data={"body": "Dank u."}).status_code == 302
    assert [r.body for r in db.session.scalars(sa.select(ContactReply).order_by(ContactReply.id))
            ] == ["Ja, via WMS.", "Dank u."]
    page = login(sender).get(url).get_data(as_text=True)
    assert "Ja, via WMS." in page and "Dank u." in page
    notified = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == EventKind.CONTACT)).all()
    assert sorted(notified) == sorted([receiver.id, sender.id, receiver.id])
    # An empty reply keeps the form with an error; outsiders see nothing.
    assert login(sender).post(url, data={"body": "  "}).status_code == 422
    assert login(UserFactory()).get(url).status_code == 403
    assert login(sender).get("/berichten/999999").status_code == 404
