"""Input rules of the search page (a GET form: no CSRF, nothing stored)."""
from flask_babel import lazy_gettext as _l
from wtforms import SearchField, StringField
from wtforms.validators import Length, Optional

from smartsociety.formbase import Form
from smartsociety.search.query import MAX_QUERY_LENGTH

SORTS = ("relevance", "date")


class SearchForm(Form):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Search for"),
        validators=[
            Optional(),
            Length(max=MAX_QUERY_LENGTH,
                   message=_l("Your search is too long: use at most %(max)d characters.")),
        ],
    )
    # Anything else (an old or hand-made link) falls back to relevance rather than an error.
    sort = StringField(_l("Sort by"))

    @property
    def sort_value(self) -> str:
        return self.sort.data if self.sort.data in SORTS else "relevance"
