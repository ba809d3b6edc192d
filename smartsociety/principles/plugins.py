"""What principles add to other features: the search document type of principle versions,
amendments as reportable items, and the case page's section of principles and rules."""
import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.models import Amendment, EventKind, Rule
from smartsociety.moderation.registry import ReportableType
from smartsociety.moderation.registry import register as register_reportable
from smartsociety.notify.registry import register_event
from smartsociety.principles import documents
from smartsociety.sections import Section


def _amendment_url(amendment: Amendment) -> str:
    version = amendment.rule.version
    return url_for(
        "principles.version", slug=version.principle.slug, number=version.number,
        _anchor=f"amendment-{amendment.id}",
    )


def register(app: Flask) -> None:
    register_event(EventKind.CONSULTATION, _l("A principle open for consultation"))
    register_event(EventKind.ADOPTED, _l("A principle adopted"))
    documents.register()
    register_reportable(ReportableType(
        name="amendment",
        label=_l("Amendment"),
        model=Amendment,
        title=lambda amendment: amendment.text[:120],
        url=_amendment_url,
        author=lambda amendment: amendment.author,
        load_options=(
            sa.orm.selectinload(Amendment.author),
            sa.orm.selectinload(Amendment.rule).selectinload(Rule.version),
        ),
    ))
    CASE_PAGE.register(Section("principles", "principles/_case_principles.html", 10))
