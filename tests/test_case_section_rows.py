"""The case page's sections from other features read plain rows in one query each (issue 23
item 2): what they show still follows every write on the next read, only on its own case, and
their number of queries does not grow with their number of items."""

from smartsociety.models import (
    CaseRequirement,
    OpenStandard,
    Organisation,
    RequirementKind,
    Sensor,
    Solution,
)
from tests.factories import CaseFactory, OfferFactory, SolutionFactory, verified_member
from tests.querycount import count_queries
from tests.test_events import add_session, make_event
from tests.test_sensors import make_sensor


def page(client, case_id) -> str:
    response = client.get(f"/casussen/{case_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</section>", 1)[0] if marker in html else ""


def fill(case, n: int, label: str):
    """n offers, linked sensors and sessions on `case`."""
    owner = verified_member()
    for i in range(n):
        OfferFactory(case=case, solution=SolutionFactory(name=f"{label} oplossing {i}"))
        make_sensor(owner, owner.organisation, name=f"{label} meter {i}", case_ids=[case.id])
        add_session(make_event(title=f"{label} dag {i}"), title=f"{label} sessie {i}",
                    cases=[case])
    return owner


def test_new_offers_sensors_and_sessions_show_on_the_next_read_only_on_their_case(
        no_page_cache, client, db):
    case, other = CaseFactory(), CaseFactory()
    db.session.commit()
    case_id, other_id = case.id, other.id
    assert "Noord meter" not in page(client, case_id)
    owner = fill(case, 1, "Noord")
    html = page(client, case_id)
    sensors = section(html, 'class="case-sensors"')
    assert "Noord meter 0" in sensors and owner.organisation.name in sensors
    sessions = section(html, 'class="case-sessions"')
    assert "Noord sessie 0" in sessions and "Noord dag 0" in sessions
    assert "Noord oplossing 0" in section(html, 'id="offers"')
    elsewhere = page(client, other_id)
    # (The other case may suggest the solution; it has no offer.)
    assert "Noord meter" not in elsewhere and "Noord sessie" not in elsewhere
    assert "offer-list" not in elsewhere
    # A later change to what the rows show is on the next read of the page.
    db.session.query(Sensor).filter_by(name="Noord meter 0").one().name = "Noord meter hernoemd"
    db.session.query(Solution).filter_by(name="Noord oplossing 0").one().name = (
        "Noord oplossing hernoemd")
    db.session.get(Organisation, owner.organisation_id).name = "Meetbedrijf Hernoemd"
    db.session.commit()
    html = page(client, case_id)
    assert "Noord meter hernoemd" in section(html, 'class="case-sensors"')
    assert "Meetbedrijf Hernoemd" in section(html, 'class="case-sensors"')
    assert "Noord oplossing hernoemd" in section(html, 'id="offers"')


def test_a_sections_queries_do_not_grow_with_its_items(no_page_cache, client, db):
    one, three = CaseFactory(), CaseFactory()
    db.session.commit()
    fill(one, 1, "Een")
    fill(three, 3, "Drie")
    counts = []
    for case_id in (one.id, three.id):
        page(client, case_id)
        with count_queries(db.engine) as counted:
            html = page(client, case_id)
        counts.append(counted.count)
    assert html.count("Drie sessie") == 3 and html.count("Drie meter") == 3
    assert counts[0] == counts[1], counts


def test_which_solutions_meet_the_requirements_follows_the_solutions(no_page_cache, client, db):
    author = verified_member()
    case = CaseFactory(author=author, organisation=author.organisation)
    standard = OpenStandard(name="StUF", name_key=OpenStandard.key_for("StUF"))
    db.session.add(standard)
    db.session.flush()
    solution = SolutionFactory(name="Meetnet", exit_plan="   ")
    other = SolutionFactory(name="Telnet", accepts_gibit=True, exit_plan="Export als CSV.")
    OfferFactory(case=case, solution=solution)
    OfferFactory(case=case, solution=other)
    for kind, standard_id in ((RequirementKind.STANDARD, standard.id),
                              (RequirementKind.EXIT_PLAN, None)):
        db.session.add(CaseRequirement(case_id=case.id, kind=kind, standard_id=standard_id))
    db.session.commit()
    case_id, solution_id, standard_id = case.id, solution.id, standard.id

    def rows():
        table = page(client, case_id).split('requirement-matches"', 1)[1].split("</table>")[0]
        return {row.split("</a>")[0].rsplit(">", 1)[1]: row.split("</th>", 1)[1]
                for row in table.split("<tr class=")[1:]}

    found = rows()
    # An exit plan of spaces is none; neither has the standard.
    assert found["Meetnet"].count("<td>No</td>") + found["Meetnet"].count("<td>Nee</td>") == 3
    assert found["Telnet"].count("<td>Ja</td>") == 1
    db.session.get(Solution, solution_id).standards.append(db.session.get(OpenStandard,
                                                                          standard_id))
    db.session.get(Solution, solution_id).exit_plan = "Overdracht aan de gemeente."
    db.session.commit()
    found = rows()
    assert found["Meetnet"].count("<td>Ja</td>") == 3  # both met, and so all
    assert found["Telnet"].count("<td>Ja</td>") == 1
