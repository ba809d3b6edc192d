"""A refused action: it does not fit the current state or the input. Services raise it with a
message and a status; one error handler turns it into the page or the API's JSON error
(errors.py), and the request's transaction rolls back (transaction.py). State rules live in
the service, so every route (page, moderation, API) is refused alike. Subclasses (e.g.
AttachmentRefused) exist only where a caller must catch one kind, e.g. to keep a form."""


class Refused(Exception):
    """`status` is the HTTP status (409 by default); str(error) the reason for the reader."""

    def __init__(self, message, status: int = 409):
        super().__init__(message)
        self.status = status


def require(condition: bool, reason, status: int = 409) -> None:
    if not condition:
        raise Refused(reason, status)
