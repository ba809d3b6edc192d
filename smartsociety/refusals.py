"""A refused action: it does not fit the current state or the input. Services raise it with a
message and a status; one error handler turns it into the page (errors.py)."""


class Refused(Exception):
    """`status` is the HTTP status (409 by default); str(error) the reason for the reader."""

    def __init__(self, message, status: int = 409):
        super().__init__(message)
        self.status = status


def require(condition: bool, reason, status: int = 409) -> None:
    if not condition:
        raise Refused(reason, status)
