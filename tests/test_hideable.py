"""The Hideable mixin: one definition of moderation's hidden_at/hidden_reason pair."""
import sqlalchemy as sa

from smartsociety.models import Amendment, Case, Comment, Solution
from smartsociety.models.base import Hideable, UTCDateTime
from tests.factories import CaseFactory


def test_every_hideable_model_shares_the_same_columns():
    for model in (Case, Comment, Solution, Amendment):
        assert issubclass(model, Hideable), model
        table = model.__table__
        assert isinstance(table.c.hidden_at.type, UTCDateTime) and table.c.hidden_at.nullable
        assert isinstance(table.c.hidden_reason.type, sa.String)
        assert table.c.hidden_reason.type.length == 500


def test_hide_and_unhide(db):
    case = CaseFactory()
    assert not case.is_hidden and case.is_public
    case.hide("Spam")
    db.session.commit()
    assert case.is_hidden and not case.is_public
    assert (case.hidden_reason, case.hidden_at is not None) == ("Spam", True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case.public().subquery())) == 0
    case.unhide()
    db.session.commit()
    assert (case.hidden_at, case.hidden_reason) == (None, None)
    assert db.session.scalars(Case.public()).all() == [case]
