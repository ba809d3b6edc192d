"""Self-evaluation in a real browser: two members of one gemeente fill in a round together and
see their chart beside the peer average; the pages pass axe."""
import datetime

from smartsociety.evaluation import questionnaires
from smartsociety.extensions import db
from smartsociety.models import Answer, Evaluation, EvaluationStatus, OrganisationKind, Role
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.test_principles import log_in_as
from tests.factories import OrganisationFactory, UserFactory, verified_member

NOW = datetime.datetime.now(datetime.UTC)
OUTLINE = """## Dienstverlening {dienstverlening}
- Inwoners regelen hun zaken digitaal.
- Wij vragen niets dubbel uit.

## Datagedreven werken {datagedreven-werken}
- Beleid steunt op data.
"""


def test_two_members_fill_in_a_round_and_see_the_peer_average(app, live_server, page):
    moderator = UserFactory(role=Role.MODERATOR)
    questionnaire = questionnaires.create(
        "Digitale Agenda 2020", "", ["een", "twee", "drie", "vier", "vijf"], OUTLINE, moderator)
    version = questionnaire.versions[0]
    questionnaires.publish(version, moderator)
    statements = version.statements
    for levels in ([4, 4, 4], [3, 3, 3], [5, 4, 2], [2, 2, 2]):
        peer = OrganisationFactory(kind=OrganisationKind.GEMEENTE, verified_at=NOW,
                                   inhabitants=30_000)
        db.session.add(Evaluation(
            organisation=peer, version=version, round=NOW.year,
            status=EvaluationStatus.SUBMITTED, submitted_at=NOW,
            answers=[Answer(statement_id=s.id, level=lv) for s, lv in zip(statements, levels)],
        ))
    db.session.commit()
    own = OrganisationFactory(name="Gemeente Samenstad", kind=OrganisationKind.GEMEENTE,
                              verified_at=NOW, inhabitants=25_000)
    alice = verified_member(organisation=own, name="Alice Ambtenaar")
    bob = verified_member(organisation=own, name="Bob Beleid")

    log_in_as(page, app, live_server, alice)
    page.goto(f"{live_server.url}/zelfevaluatie")
    assert not axe_violations(page), format_violations(axe_violations(page))
    page.click("form[action$='/zelfevaluatie/starten'] button")
    page.wait_for_selector(f"#statement-{statements[0].id}")
    assert not axe_violations(page), format_violations(axe_violations(page))
    card = page.locator(f"#statement-{statements[0].id}")
    card.locator("input[value='2']").check()
    card.locator("textarea").fill("Nog veel papier")
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    evaluation_url = page.url.split("#")[0]

    log_in_as(page, app, live_server, bob)
    page.goto(evaluation_url)
    first = page.locator(f"#statement-{statements[0].id}")
    assert first.locator("input[value='2']").is_checked()
    assert "Alice Ambtenaar" in first.inner_text()
    for statement, level in ((statements[1], "4"), (statements[2], "3")):
        card = page.locator(f"#statement-{statement.id}")
        card.locator(f"input[value='{level}']").check()
        card.locator("button[type=submit]").click()
        page.wait_for_selector(".flash-success")
    page.click("form[action$='/indienen'] button")
    page.wait_for_selector("svg.score-chart")

    # The chart stands beside the peer average (four peers and Samenstad: five gemeenten).
    assert page.locator("svg.score-chart rect.series-1 title").count() == 2
    cells = page.locator("#score-table tbody tr").first.locator("td").all_inner_texts()
    # Dienstverlening: Samenstad mean(2, 4) = 3; the five: mean(3, 4, 3, 4.5, 2) = 3.3.
    assert cells == ["3", "3,3", "3,3"]
    assert not axe_violations(page), format_violations(axe_violations(page))
    assert not page.js_errors
