"""Events in the search index (published ones, with their sessions' titles)."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from smartsociety.models import Event, EventSession, EventTheme
from smartsociety.search.registry import MAX_BODY, REGISTRY, DocumentType, plain_text


def load_events(session: Session, ids: list[int]) -> dict[int, dict]:
    events = session.scalars(
        sa.select(Event).where(Event.id.in_(ids), Event.public_clause())
        .options(selectinload(Event.organiser), selectinload(Event.sessions))
    )
    return {
        e.id: {
            "title": e.title,
            "body": "\n".join(part for part in [
                plain_text(e.description_html), e.venue,
                "\n".join(f"{s.title} {s.description}" for s in e.sessions),
                plain_text(e.report_html),
            ] if part)[:MAX_BODY],
            "language": "nl",
            "themes": [getattr(t, "value", t) for t in e.themes],
            "date": e.starts_at,
            **({"organisation": e.organiser.name, "org_kind": e.organiser.kind.value}
               if e.organiser is not None else {}),
        }
        for e in events
    }


def _url(doc_id: int, _stored: dict) -> str | None:
    return url_for("events.detail", event_id=doc_id)


def register() -> None:
    REGISTRY.register(DocumentType(
        name="event",
        model=Event,
        label=_l("Event"),
        load=load_events,
        public_ids=lambda: sa.select(Event.id).where(Event.public_clause()),
        url=_url,
    ))
    REGISTRY.watch(EventTheme, "event", lambda link: link.event_id)
    REGISTRY.watch(EventSession, "event", lambda session: session.event_id)
