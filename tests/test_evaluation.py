"""Self-evaluation: questionnaire versions, filling in together, visibility, k-anonymity,
peer groups, the chart and its table, help for weak themes, the network's picture."""
import csv
import datetime
import io
import re
from statistics import mean

import pytest
import sqlalchemy as sa

from smartsociety.evaluation import questionnaires, results
from smartsociety.extensions import db
from smartsociety.models import (
    Answer,
    Evaluation,
    EvaluationStatus,
    OrganisationKind,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Role,
    Theme,
)
from tests.factories import CaseFactory, OrganisationFactory, UserFactory, verified_member

LEVELS = ["een", "twee", "drie", "vier", "vijf"]
OUTLINE = """## Dienstverlening {dienstverlening}
- Inwoners regelen hun zaken digitaal.
- Wij vragen niets dubbel uit.

## Datagedreven werken {datagedreven-werken}
- Beleid steunt op data.
"""
NOW = datetime.datetime.now(datetime.UTC)


def published(title="Digitale Agenda", outline=OUTLINE) -> QuestionnaireVersion:
    moderator = UserFactory(role=Role.MODERATOR)
    questionnaire = questionnaires.create(title, "", LEVELS, outline, moderator)
    version = questionnaire.versions[0]
    questionnaires.publish(version, moderator)
    db.session.commit()
    return version


def gemeente(inhabitants=30_000, **fields):
    return OrganisationFactory(kind=OrganisationKind.GEMEENTE, verified_at=NOW,
                               inhabitants=inhabitants, **fields)


def submitted(version, organisation, levels, round_=2026, **fields) -> Evaluation:
    """A submitted evaluation with `levels` for the statements in order."""
    evaluation = Evaluation(organisation=organisation, version=version, round=round_,
                            status=EvaluationStatus.SUBMITTED, submitted_at=NOW, **fields)
    for statement, level in zip(version.statements, levels):
        evaluation.answers.append(Answer(statement_id=statement.id, level=level))
    db.session.add(evaluation)
    db.session.commit()
    return evaluation


def start(client, version, round_=2026):
    response = client.post("/zelfevaluatie/starten",
                           data={"version": version.id, "round": round_})
    assert response.status_code == 302, response.data
    return int(response.headers["Location"].rsplit("/", 1)[1])


def answer(client, evaluation_id, statement, level, note=""):
    return client.post(
        f"/zelfevaluatie/{evaluation_id}/antwoord/{statement.id}",
        data={f"s{statement.id}-level": level, f"s{statement.id}-note": note},
    )


# Questionnaires


def test_moderator_writes_publishes_and_versions_a_questionnaire(login, db):
    moderator = login(UserFactory(role=Role.MODERATOR))
    data = {"title": "Digitale Agenda 2020", "outline": OUTLINE, "introduction": "Intro"}
    data.update({f"level_{n}": text for n, text in enumerate(LEVELS, start=1)})
    response = moderator.post("/zelfevaluatie/vragenlijsten/nieuw", data=data)
    assert response.status_code == 302
    url = "/zelfevaluatie/vragenlijsten/digitale-agenda-2020/versie/1"
    draft = db.session.scalar(sa.select(QuestionnaireVersion))
    assert draft.status is QuestionnaireStatus.DRAFT
    assert [t.title for t in draft.themes] == ["Dienstverlening", "Datagedreven werken"]
    assert draft.themes[0].theme_key == "dienstverlening"
    assert len(draft.statements) == 3

    # The edit form shows the outline back as it was written.
    page = moderator.get(url + "/bewerken").get_data(as_text=True)
    assert "- Wij vragen niets dubbel uit." in page
    assert moderator.post(url + "/publiceren").status_code == 302
    assert moderator.get(url + "/bewerken").status_code == 409

    assert moderator.post("/zelfevaluatie/vragenlijsten/digitale-agenda-2020/nieuwe-versie") \
        .status_code == 302
    data["outline"] = OUTLINE + "- Data is open.\n"
    url2 = "/zelfevaluatie/vragenlijsten/digitale-agenda-2020/versie/2"
    assert moderator.post(url2 + "/bewerken", data=data).status_code == 302
    assert moderator.post(url2 + "/publiceren").status_code == 302
    db.session.expire_all()
    first, second = db.session.scalars(
        sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.number)).all()
    assert first.status is QuestionnaireStatus.RETIRED and first.retired_at is not None
    assert second.status is QuestionnaireStatus.PUBLISHED
    assert len(second.statements) == 4 and len(first.statements) == 3


def test_outline_errors_are_shown_on_the_form_and_keep_the_text(login):
    moderator = login(UserFactory(role=Role.MODERATOR))
    data = {"title": "Vragenlijst", "outline": "- zonder thema\n"}
    data.update({f"level_{n}": text for n, text in enumerate(LEVELS, start=1)})
    response = moderator.post("/zelfevaluatie/vragenlijsten/nieuw", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Regel 1" in page and "- zonder thema" in page
    data["outline"] = "## Thema {geen-thema}\n- a\n"
    assert "geen-thema" in moderator.post("/zelfevaluatie/vragenlijsten/nieuw", data=data) \
        .get_data(as_text=True)


def test_drafts_are_for_moderators_and_members_cannot_write(client, login, db):
    moderator = UserFactory(role=Role.MODERATOR)
    questionnaires.create("Concept", "", LEVELS, OUTLINE, moderator)
    db.session.commit()
    url = "/zelfevaluatie/vragenlijsten/concept/versie/1"
    assert client.get(url).status_code == 404
    member = login(verified_member())
    assert member.get(url).status_code == 404
    assert member.post(url + "/publiceren").status_code == 403
    assert member.get("/zelfevaluatie/vragenlijsten/nieuw").status_code == 403
    assert login(moderator).get(url).status_code == 200


def test_a_draft_can_be_discarded(login, db):
    moderator = UserFactory(role=Role.MODERATOR)
    questionnaires.create("Weg", "", LEVELS, OUTLINE, moderator)
    db.session.commit()
    response = login(moderator).post("/zelfevaluatie/vragenlijsten/weg/versie/1/verwijderen")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireVersion.id))) == 0


# Filling in together


def test_two_members_fill_in_together_and_one_submits(login, db):
    version = published()
    organisation = gemeente()
    alice = verified_member(organisation=organisation, name="Alice Ambtenaar")
    bob = verified_member(organisation=organisation, name="Bob Beleid")
    first, second, third = version.statements
    as_alice, as_bob = login(alice), login(bob)

    evaluation_id = start(as_alice, version)
    # The second member lands on the same round, not a new one.
    assert start(as_bob, version) == evaluation_id
    assert answer(as_alice, evaluation_id, first, 4, "Bijna alles digitaal").status_code == 302
    assert answer(as_bob, evaluation_id, second, 2).status_code == 302

    page = as_bob.get(f"/zelfevaluatie/{evaluation_id}").get_data(as_text=True)
    assert "Alice Ambtenaar" in page and "Bijna alles digitaal" in page
    # Submitting with an open statement is refused and says how many are open.
    refused = as_bob.post(f"/zelfevaluatie/{evaluation_id}/indienen")
    assert refused.status_code == 409 and "1" in refused.get_data(as_text=True)

    assert answer(as_bob, evaluation_id, third, 5).status_code == 302
    assert as_bob.post(f"/zelfevaluatie/{evaluation_id}/indienen").status_code == 302
    evaluation = db.session.get(Evaluation, evaluation_id)
    assert evaluation.is_submitted and evaluation.submitted_by_id == bob.id
    by = {a.statement_id: a.answered_by_id for a in evaluation.answers}
    assert by == {first.id: alice.id, second.id: bob.id, third.id: bob.id}

    # Submitting twice, or changing an answer afterwards, is refused.
    assert as_alice.post(f"/zelfevaluatie/{evaluation_id}/indienen").status_code == 409
    assert answer(as_alice, evaluation_id, first, 1).status_code == 409
    assert db.session.get(Evaluation, evaluation_id).answer_for(first.id).level == 4


def test_an_answer_off_the_scale_is_refused_and_the_note_is_kept(login, db):
    version = published()
    member = login(verified_member(organisation=gemeente()))
    evaluation_id = start(member, version)
    statement = version.statements[0]
    for bad in ("7", "0", "abc", ""):
        response = answer(member, evaluation_id, statement, bad, "Mijn toelichting")
        assert response.status_code == 400
        assert "Mijn toelichting" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_a_statement_of_another_questionnaire_is_not_found(login, db):
    version = published()
    other = published("Andere lijst")
    member = login(verified_member(organisation=gemeente()))
    evaluation_id = start(member, version)
    assert answer(member, evaluation_id, other.statements[0], 3).status_code == 404
    response = member.post(f"/zelfevaluatie/{evaluation_id}/antwoord/99999999",
                           data={"s99999999-level": 3})
    assert response.status_code == 404


def test_only_verified_gemeente_members_fill_in(login, db):
    version = published()
    company = login(verified_member(kind=OrganisationKind.BEDRIJF))
    assert company.post("/zelfevaluatie/starten",
                        data={"version": version.id, "round": 2026}).status_code == 403
    unverified = login(UserFactory(organisation=OrganisationFactory(
        kind=OrganisationKind.GEMEENTE)))
    assert unverified.post("/zelfevaluatie/starten",
                           data={"version": version.id, "round": 2026}).status_code == 403
    unread = login(verified_member(organisation=gemeente(), email_verified_at=None))
    assert unread.post("/zelfevaluatie/starten",
                       data={"version": version.id, "round": 2026}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Evaluation.id))) == 0


def test_another_gemeente_cannot_answer_for_this_one(login, db):
    version = published()
    member = login(verified_member(organisation=gemeente()))
    evaluation_id = start(member, version)
    outsider = login(verified_member(organisation=gemeente()))
    assert answer(outsider, evaluation_id, version.statements[0], 3).status_code == 404
    assert outsider.post(f"/zelfevaluatie/{evaluation_id}/indienen").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_a_retired_questionnaire_keeps_the_draft_but_takes_no_answers(login, db):
    version = published()
    member = login(verified_member(organisation=gemeente()))
    evaluation_id = start(member, version)
    answer(member, evaluation_id, version.statements[0], 3, "bewaard")
    questionnaires.retire(version, UserFactory(role=Role.MODERATOR))
    db.session.commit()
    assert answer(member, evaluation_id, version.statements[1], 3).status_code == 409
    assert member.post(f"/zelfevaluatie/{evaluation_id}/indienen").status_code == 409
    page = member.get(f"/zelfevaluatie/{evaluation_id}")
    assert page.status_code == 200 and "bewaard" in page.get_data(as_text=True)
    assert member.post("/zelfevaluatie/starten", data={
        "version": version.id, "round": 2027}).status_code == 400


def test_a_round_must_be_a_year(login, db):
    version = published()
    member = login(verified_member(organisation=gemeente()))
    for bad in ("1900", "abc", "99999999999999999999"):
        response = member.post("/zelfevaluatie/starten", data={"version": version.id,
                                                               "round": bad})
        assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Evaluation.id))) == 0


# Visibility


def test_scores_are_private_unless_the_gemeente_shares_them(client, login, db):
    version = published()
    organisation = gemeente(name="Gemeente Deelstad")
    evaluation = submitted(version, organisation, [4, 4, 2])
    evaluation.answers[0].note = "Interne toelichting"
    db.session.commit()
    url = f"/zelfevaluatie/{evaluation.id}/resultaten"
    other = login(verified_member(organisation=gemeente()))
    company = login(verified_member(kind=OrganisationKind.BEDRIJF))
    assert client.get(url).status_code == 404
    assert other.get(url).status_code == 404

    own = login(verified_member(organisation=organisation))
    assert own.post(f"/zelfevaluatie/{evaluation.id}/delen",
                    data={"shared": "y"}).status_code == 302
    assert other.get(url).status_code == 200
    detail = other.get(f"/zelfevaluatie/{evaluation.id}").get_data(as_text=True)
    assert "Interne toelichting" not in detail
    assert company.get(url).status_code == 404 and client.get(url).status_code == 404
    # A draft is never shown outside the gemeente, shared or not.
    draft = Evaluation(organisation=organisation, version=version, round=2027,
                       shared_with_gemeenten=True)
    db.session.add(draft)
    db.session.commit()
    assert other.get(f"/zelfevaluatie/{draft.id}").status_code == 404


# Results: averages, k-anonymity, peer groups, chart


def _row(page: str, title: str) -> list[str]:
    row = re.search(rf'<th scope="row">{re.escape(title)}</th>(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_group_averages_appear_from_five_gemeenten_on(login, db, app):
    version = published()
    own = gemeente(30_000)
    mine = submitted(version, own, [2, 2, 4])
    member = login(verified_member(organisation=own))
    for _ in range(3):
        submitted(version, gemeente(40_000), [4, 4, 4])
    page = member.get(f"/zelfevaluatie/{mine.id}/resultaten").get_data(as_text=True)
    assert 'id="everyone-hidden"' in page and 'id="peers-hidden"' in page
    assert "4 hebben deze ronde ingediend" in page
    assert _row(page, "Dienstverlening") == ["2", "–", "–"]

    submitted(version, gemeente(45_000), [5, 5, 1])   # the fifth gemeente
    page = member.get(f"/zelfevaluatie/{mine.id}/resultaten").get_data(as_text=True)
    assert 'id="everyone-hidden"' not in page and 'id="peers-hidden"' not in page
    # Dienstverlening: own 2; the others 4, 4, 4 and 5 -> mean(2, 4, 4, 4, 5) = 3.8
    assert _row(page, "Dienstverlening") == ["2", "3,8", "3,8"]
    assert _row(page, "Datagedreven werken") == ["4", "3,4", "3,4"]


def test_peer_group_is_the_size_class(login, db):
    version = published()
    small = gemeente(15_000)
    mine = submitted(version, small, [1, 1, 1])
    for _ in range(4):
        submitted(version, gemeente(10_000), [3, 3, 3])
    for _ in range(3):
        submitted(version, gemeente(250_000), [5, 5, 5])
    comparison = results.compare(mine)
    statements = version.themes
    service, data = statements[0].id, statements[1].id
    assert comparison.peers.size == 5
    assert comparison.peers.averages[service] == round(mean([1, 3, 3, 3, 3]), 2)
    assert comparison.everyone.size == 8
    assert comparison.everyone.averages[data] == round(mean([1, 3, 3, 3, 3, 5, 5, 5]), 2)


def test_without_inhabitants_there_is_no_peer_group(login, db):
    version = published()
    own = gemeente(None)
    mine = submitted(version, own, [3, 3, 3])
    page = login(verified_member(organisation=own)).get(
        f"/zelfevaluatie/{mine.id}/resultaten").get_data(as_text=True)
    assert "inwoners" in page and "niet bekend" in page


def test_the_chart_shows_the_numbers_of_its_table(login, db):
    version = published()
    own = gemeente(30_000)
    mine = submitted(version, own, [3, 4, 2])
    for levels in ([4, 4, 4], [2, 3, 5], [5, 5, 5], [1, 2, 3]):
        submitted(version, gemeente(35_000), levels)
    page = login(verified_member(organisation=own)).get(
        f"/zelfevaluatie/{mine.id}/resultaten").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    bars = re.findall(r'<rect class="bar series-(\d)"[^>]*><title>[^<]*: ([\d,]+)</title>', svg)
    table = [cell for theme in version.themes for cell in _row(page, theme.title)]
    assert [value for _series, value in bars] == table
    # Dienstverlening: mean(3.5, 4, 2.5, 5, 1.5) = 3.3; data: mean(2, 4, 5, 5, 3) = 3.8
    assert table == ["3,5", "3,3", "3,3", "2", "3,8", "3,8"]
    assert 'role="img"' in svg and "<title" in svg


def test_progress_over_rounds_and_help_for_the_weakest_theme(login, db):
    version = published()
    own = gemeente(30_000)
    submitted(version, own, [1, 1, 3], round_=2025)
    mine = submitted(version, own, [2, 2, 4], round_=2026)
    helper = gemeente(32_000, name="Gemeente Voorbeeld")
    submitted(version, helper, [5, 5, 5], round_=2026, contactable=True)
    submitted(version, gemeente(33_000, name="Gemeente Stil"), [5, 5, 5], round_=2026)
    case = CaseFactory(title="Digitaal loket voor iedereen")
    case.themes.append(Theme.DIENSTVERLENING)
    db.session.commit()
    page = login(verified_member(organisation=own)).get(
        f"/zelfevaluatie/{mine.id}/resultaten").get_data(as_text=True)
    assert "2025" in page and "2026" in page
    help_section = page.split('id="help-heading"')[1]
    assert "Digitaal loket voor iedereen" in help_section
    assert "Gemeente Voorbeeld" in help_section and "Gemeente Stil" not in help_section
    # Datagedreven werken scores 4: strong, so no help is offered for it.
    assert help_section.count("<h3>") == 1


def test_network_distribution_is_hidden_below_five_and_exported(client, db):
    version = published()
    url = f"/zelfevaluatie/vragenlijsten/{version.questionnaire.slug}/versie/1/netwerk"
    for levels in ([1, 1, 1], [2, 3, 2], [4, 4, 4], [5, 5, 5]):
        submitted(version, gemeente(), levels)
    page = client.get(url).get_data(as_text=True)
    assert 'id="distribution-hidden"' in page
    assert client.get(url + ".csv").status_code == 404
    submitted(version, gemeente(), [3, 3, 3])
    page = client.get(url).get_data(as_text=True)
    # Dienstverlening scores 1, 2.5, 4, 5 and 3: one in each band, average 3.1
    assert _row(page, "Dienstverlening") == ["1", "1", "1", "1", "1", "3,1"]
    rows = list(csv.DictReader(io.StringIO(client.get(url + ".csv").get_data(as_text=True))))
    assert [r["theme"] for r in rows] == ["Dienstverlening", "Datagedreven werken"]
    assert rows[0]["gemeenten"] == "5" and rows[0]["average"] == "3.1"
    assert "Gemeente" not in client.get(url + ".csv").get_data(as_text=True)
    assert client.get(url + "?ronde=abc").status_code == 404
    assert client.get(url + "?ronde=1999").status_code == 404


@pytest.mark.parametrize("inhabitants,label", [(19_999, "lt20k"), (20_000, "20k-50k"),
                                               (100_000, "50k-100k"), (100_001, "gt100k")])
def test_size_classes(inhabitants, label):
    from smartsociety.models import SizeClass

    assert SizeClass.for_inhabitants(inhabitants).value == label
