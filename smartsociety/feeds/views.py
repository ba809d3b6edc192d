"""Atom feeds: new cases overall, per theme, tag and organisation, a principle's changes, and a
saved search."""
import hashlib
from datetime import UTC, datetime
from urllib.parse import urljoin

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.inputs import one_line, strip_control
from smartsociety.labels import label
from smartsociety.markup import plain_text
from smartsociety.models import (
    Case,
    CaseFilter,
    Comment,
    Event,
    Organisation,
    Principle,
    PrincipleVersion,
    Tag,
    Theme,
    User,
)
from smartsociety.models.membership import confirmed_membership
from smartsociety.models.principle import PUBLIC_STATUSES
from smartsociety.search import service

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
FEED_SIZE = 30
ATOM = "application/atom+xml; charset=utf-8"
# The `updated` of a feed with no entries: fixed, so polling an empty feed answers 304 (it was
# "now", a new document on every poll).
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)


def _feed(feed_id: str, title: str, alternate: str, entries: list[dict]) -> Response:
    # Imported here, not with the app: feedgen and lxml are 6 MB (2 MB of Python objects) in
    # every web worker for the few requests that ask for a feed.
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(one_line(title))
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.link(href=feed_id, rel="self", type="application/atom+xml")
    feed.author({"name": "Smart Society"})
    feed.language("nl")
    updated = max((_aware(e["updated"]) for e in entries), default=EMPTY_FEED_UPDATED)
    feed.updated(updated)
    # feedgen prepends entries; adding oldest first keeps the newest on top.
    for data in reversed(entries):
        entry = feed.add_entry()
        entry.id(data["id"])
        # Text stored before control characters were removed at input would break the XML.
        entry.title(one_line(data["title"]) or "…")
        entry.updated(data["updated"])
        entry.link(href=data["url"], rel="alternate", type="text/html")
        if data.get("author"):
            entry.author({"name": one_line(data["author"]) or "…"})
        if data.get("summary"):
            entry.summary(strip_control(data["summary"]))
    body = _explicit_alternates(feed.atom_str(pretty=True))
    response = Response(body, content_type=ATOM)
    # Conditional GET: feed readers poll; an unchanged feed answers 304 without a body.
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.last_modified = updated
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _explicit_alternates(xml: bytes) -> bytes:
    """feedgen leaves out rel="alternate" (the default in RFC 4287); spell it out for readers
    that look for it."""
    from lxml import etree

    root = etree.fromstring(xml)
    for link in root.iter("{http://www.w3.org/2005/Atom}link"):
        if link.get("rel") is None:
            link.set("rel", "alternate")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _case_entries(select: sa.Select) -> list[dict]:
    cases = db.session.scalars(
        select.options(selectinload(Case.author)).order_by(None)
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(FEED_SIZE)
    ).all()
    return [
        {
            "id": url_for("cases.detail", case_id=case.id, _external=True),
            "url": url_for("cases.detail", case_id=case.id, _external=True),
            "title": case.title,
            "updated": case.created_at,
            "author": case.author.name if case.author else "",
            "summary": case.summary or plain_text(case.body_html)[:300],
        }
        for case in cases
    ]


@bp.get("/casussen.atom")
def cases():
    """New cases as an Atom feed."""
    return _feed(url_for("feeds.cases", _external=True), _("Smart Society: new cases"),
                 url_for("cases.index", _external=True), _case_entries(Case.public()))


@bp.get("/themas/<slug>.atom")
def theme(slug: str):
    """New cases of one theme as an Atom feed."""
    try:
        found = Theme(slug)
    except ValueError:
        abort(404)
    select = Case.filtered(CaseFilter(theme=found), shown=False)
    return _feed(url_for("feeds.theme", slug=slug, _external=True),
                 _("Smart Society: %(name)s", name=label(found)),
                 url_for("cases.theme", slug=slug, _external=True), _case_entries(select))


@bp.get("/tags/<slug>.atom")
def tag(slug: str):
    """New cases with one tag as an Atom feed."""
    found = db.session.scalar(sa.select(Tag).where(Tag.slug == slug)) or abort(404)
    select = Case.filtered(CaseFilter(tag=found.slug), shown=False)
    return _feed(url_for("feeds.tag", slug=slug, _external=True),
                 _("Smart Society: %(name)s", name=found.name),
                 url_for("cases.tag", slug=slug, _external=True), _case_entries(select))


@bp.get("/organisaties/<slug>.atom")
def organisation(slug: str):
    """The organisation's activity: its cases and its members' comments on public cases."""
    found = db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
    if found is None:
        abort(404)
    entries = _case_entries(Case.public().where(Case.organisation_id == found.id))
    comments = db.session.scalars(
        sa.select(Comment)
        .join(Case, Case.id == Comment.case_id)
        .join(User, User.id == Comment.author_id)
        .where(User.organisation_id == found.id, Comment.public_clause(), Case.public_clause(),
               confirmed_membership(User.id, User.organisation_id))  # confirmed members only
        .options(selectinload(Comment.author), selectinload(Comment.case))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(FEED_SIZE)
    ).all()
    for comment in comments:
        url = url_for("cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}",
                      _external=True)
        entries.append({
            "id": url,
            "url": url,
            "title": _("%(name)s on %(title)s", name=comment.author.name,
                       title=comment.case.title),
            "updated": comment.created_at,
            "author": comment.author.name,
            "summary": plain_text(comment.body_html)[:300],
        })
    entries.sort(key=lambda e: e["updated"], reverse=True)
    return _feed(url_for("feeds.organisation", slug=slug, _external=True),
                 _("Smart Society: %(name)s", name=found.name),
                 url_for("organisations.detail", slug=slug, _external=True),
                 entries[:FEED_SIZE])


@bp.get("/principes/<slug>.atom")
def principle(slug: str):
    """A principle's public versions: each entering consultation, adopted or superseded."""
    found = db.session.scalar(sa.select(Principle).where(Principle.slug == slug))
    if found is None:
        abort(404)
    versions = db.session.scalars(
        sa.select(PrincipleVersion)
        .where(PrincipleVersion.principle_id == found.id,
               PrincipleVersion.status.in_(PUBLIC_STATUSES))
        .order_by(PrincipleVersion.number.desc())
    ).all()
    entries = []
    for version in versions:
        url = url_for("principles.version", slug=slug, number=version.number, _external=True)
        entries.append({
            "id": f"{url}#{version.status.value}",
            "url": url,
            "title": _("Version %(number)d: %(status)s", number=version.number,
                       status=label(version.status)),
            "updated": version.superseded_at or version.updated_at
            if version.status.value != "consultation"
            else version.consultation_opened_at or version.updated_at,
            "summary": version.statement,
        })
    entries.sort(key=lambda e: e["updated"], reverse=True)
    return _feed(url_for("feeds.principle", slug=slug, _external=True),
                 _("Smart Society: %(name)s", name=found.title),
                 url_for("principles.detail", slug=slug, _external=True), entries)


@bp.get("/zoeken.atom")
def search():
    """A saved search as a feed: the same q and filters as /zoeken, newest first. Hits whose
    case was hidden since it was indexed are left out."""
    text = request.args.get("q", "")[:500]
    filters = {
        name: [value[:100] for value in request.args.getlist(name)[:5]]
        for name in service.FACET_FIELDS
        if request.args.get(name)
    }
    parsed = service.parse(text)
    hits = []
    if not parsed.is_empty or filters:
        hits = service.search(parsed, filters, "date", 1, FEED_SIZE, browse=bool(filters)).hits
    case_ids = {hit.case_id or hit.doc_id for hit in hits if hit.doc_type in ("case", "comment")}
    public = set(db.session.scalars(
        sa.select(Case.id).where(Case.id.in_(case_ids), Case.public_clause())
    )) if case_ids else set()
    entries = []
    for hit in hits:
        if hit.doc_type in ("case", "comment") and (hit.case_id or hit.doc_id) not in public:
            continue
        path = service.hit_url(hit)
        if path is None:
            continue
        url = urljoin(request.host_url, path)
        entries.append({"id": url, "url": url, "title": hit.title,
                        "updated": hit.date or EMPTY_FEED_UPDATED,
                        "summary": plain_text(str(hit.snippet))})
    self_url = url_for("feeds.search", _external=True, **request.args.to_dict(flat=True))
    return _feed(self_url, _("Smart Society: search for %(query)s", query=text or "…"),
                 url_for("search.index", _external=True, **request.args.to_dict(flat=True)),
                 entries)


@bp.get("/bijeenkomsten.atom")
def events():
    """Published events, newest announcement first."""
    found = db.session.scalars(
        sa.select(Event).where(Event.public_clause())
        .order_by(Event.published_at.desc(), Event.id.desc()).limit(FEED_SIZE)
    ).all()
    entries = [
        {
            "id": url_for("events.detail", event_id=event.id, _external=True),
            "url": url_for("events.detail", event_id=event.id, _external=True),
            "title": event.title,
            "updated": event.published_at,
            "summary": plain_text(event.description_html)[:300],
        }
        for event in found
    ]
    return _feed(url_for("feeds.events", _external=True), _("Smart Society: events"),
                 url_for("events.index", _external=True), entries)
