"""Kinds of notification that members see on their settings page: each feature registers the
kinds it emits, with their label, from its plugins.py. The kinds themselves are an enum of the
models (a stored column), so they stay central; notify knows nothing of the features."""
from smartsociety.models import EventKind

KINDS: dict[EventKind, object] = {}


def register_event(kind: EventKind, label) -> None:
    KINDS[kind] = label


def registered() -> list[EventKind]:
    """The registered kinds in the enum's order (not the plug-ins' order)."""
    return [kind for kind in EventKind if kind in KINDS]


def event_label(kind: EventKind) -> str:
    return str(KINDS.get(kind, kind.value))
