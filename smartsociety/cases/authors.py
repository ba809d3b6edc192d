"""Authors as plain rows for an anonymous reader's case page (the case's and the comments'):
what a byline (macros/people.html) reads of a member, their organisation and their open
membership, from columns joined into the page's own queries. Building the User, Organisation
and Membership entities for the case's author was about a third of the case's query's CPU
(docs/performance.md, issue 23 item 3), and a thread by several members cost a query for theirs.

A member's page keeps the entities: the per-comment and per-case predicates a member is asked
read the author through moderation's registry, and the member's own User is in the session.
A byline from these rows equals the entity's (tests/test_case_row.py)."""
import sqlalchemy as sa

from smartsociety.models import Membership, MembershipState, Organisation, User


class OrganisationRow:
    """An author's organisation: what `org_link`, `org_badges` and `affiliation` read."""

    __slots__ = ("id", "name", "slug", "kind", "verified_at")

    is_verified = property(Organisation.is_verified.fget)
    is_gemeente = property(Organisation.is_gemeente.fget)


class MembershipRow:
    """An author's open (claimed or verified) membership of their organisation."""

    __slots__ = ("state",)

    is_verified = property(Membership.is_verified.fget)
    is_claimed = property(Membership.is_claimed.fget)


class AuthorRow:
    """A member as a byline reads them. Not a User: nothing is written back, and the views
    that act on a member load the User. `is_authenticated` as flask-login's UserMixin answers
    it for a stored member, which `verified_organisation` asks."""

    __slots__ = ("id", "name", "role", "email_verified_at", "organisation", "membership")

    is_authenticated = True
    is_active = True
    is_anonymous = False


_USER = User.__table__.alias("author")
_ORGANISATION = Organisation.__table__.alias("author_organisation")
_MEMBERSHIP = Membership.__table__.alias("author_membership")

# In this order after the query's own columns; `author_from` reads them by position.
COLUMNS = (
    _USER.c.id, _USER.c.name, _USER.c.role, _USER.c.email_verified_at,
    _ORGANISATION.c.id, _ORGANISATION.c.name, _ORGANISATION.c.slug, _ORGANISATION.c.kind,
    _ORGANISATION.c.verified_at, _MEMBERSHIP.c.state,
)
LABELLED = tuple(column.label(f"author_{n}") for n, column in enumerate(COLUMNS))


def _with_organisation(source):
    return (
        source.outerjoin(_ORGANISATION, _ORGANISATION.c.id == _USER.c.organisation_id)
        .outerjoin(_MEMBERSHIP, sa.and_(
            _MEMBERSHIP.c.user_id == _USER.c.id,
            _MEMBERSHIP.c.organisation_id == _USER.c.organisation_id,
            _MEMBERSHIP.c.state.in_([MembershipState.CLAIMED, MembershipState.VERIFIED]),
        ))
    )


def joined(source, author_id):
    """`source` with the author of `author_id` (a column of it) joined: at most one row each,
    as the open membership is unique per member (`ix_membership_open_per_user`) and matched
    as `User.membership` matches it."""
    return _with_organisation(source.outerjoin(_USER, _USER.c.id == author_id))


# The authors of these ids (built once per process: an expanding parameter).
BY_ID = (sa.select(*LABELLED).select_from(_with_organisation(_USER))
         .where(_USER.c.id.in_(sa.bindparam("ids", expanding=True))))


def author_from(values, start: int, known: dict) -> AuthorRow | None:
    """The author in `values[start:start + len(COLUMNS)]`, or None (a former member); one
    object per member in `known` (author id -> row), as the session keeps one User each."""
    author_id = values[start]
    if author_id is None:
        return None
    found = known.get(author_id)
    if found is not None:
        return found
    (_, name, role, email_verified_at, organisation_id, organisation_name, slug, kind,
     verified_at, state) = values[start:start + len(COLUMNS)]
    author = known[author_id] = AuthorRow()
    author.id, author.name, author.role = author_id, name, role
    author.email_verified_at = email_verified_at
    author.organisation = author.membership = None
    if organisation_id is not None:
        organisation = author.organisation = OrganisationRow()
        organisation.id, organisation.name, organisation.slug = organisation_id, organisation_name, slug
        organisation.kind, organisation.verified_at = kind, verified_at
    if state is not None:
        membership = author.membership = MembershipRow()
        membership.state = state
    return author
