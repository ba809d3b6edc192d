"""Optimistic concurrency for edits (issue 16): two people editing the same case, solution,
comment or principle draft no longer silently overwrite each other.

Each of those rows has `edit_version`. The edit form carries the version it was opened on (a
hidden `edit_version` field, rendered by templates/macros/concurrency.html); on save, `claim`
raises the version in one UPDATE ... WHERE edit_version = <opened>, so of two saves made on
the same version exactly one wins, on SQLite and PostgreSQL alike. The other gets the form
back with the text they typed and the version saved meanwhile shown above it (409); saving
again then replaces it knowingly.

A POST without the field (an old page, a script) is not checked.
"""
import sqlalchemy as sa
from flask import request
from sqlalchemy.orm.attributes import set_committed_value

from smartsociety.extensions import db
from smartsociety.ids import db_id

FIELD = "edit_version"


def opened_version(obj) -> int:
    """The version the form was opened on: from the submitted form, else the current one."""
    if request.method == "POST" and FIELD in request.form:
        try:
            return db_id(request.form[FIELD])
        except ValueError:
            return 0  # a tampered value: nothing matches, so the other edit is shown
    return obj.edit_version


def claim(obj, opened: int) -> bool:
    """Raise obj.edit_version from `opened` (committed with the edit by the request). False when
    someone else saved since `opened`; `obj` then holds what they saved."""
    model = type(obj)
    result = db.session.execute(
        sa.update(model)
        .where(model.id == obj.id, model.edit_version == opened)
        .values(edit_version=opened + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        set_committed_value(obj, "edit_version", opened + 1)
        return True
    # A rollback, not a commit: the request answers 409 and keeps nothing (the views claim
    # before they write); the fresh transaction then reads what the other edit saved.
    db.session.rollback()
    db.session.refresh(obj)
    return False
