"""Records that are true: no revision for an unchanged save, honest labels and dates."""
import sqlalchemy as sa

from smartsociety.models import Case
from tests.factories import UserFactory
from tests.test_cases import case_data


def test_saving_a_case_without_changes_records_no_revision(db, login):
    client = login(UserFactory())
    client.post("/casussen/nieuw", data=case_data(tags="sensoren, afval, circulair"))
    case = db.session.scalar(sa.select(Case))
    form = client.get(f"/casussen/{case.id}/bewerken").get_data(as_text=True)
    assert 'value="afval, circulair, sensoren"' in form
    # Saved as the form shows it: the tags in another order, nothing else changed.
    response = client.post(f"/casussen/{case.id}/bewerken",
                           data=case_data(tags="afval, circulair, sensoren"))
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert len(case.revisions) == 1
    history = client.get(f"/casussen/{case.id}/geschiedenis").get_data(as_text=True)
    assert "→" not in history
