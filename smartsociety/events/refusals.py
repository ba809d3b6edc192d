"""The one refusal of this feature: an action that does not fit the event's state or input."""


class Refused(Exception):
    """`status` is the HTTP status (409 by default); str(error) the reason for the reader."""

    def __init__(self, message, status: int = 409):
        super().__init__(message)
        self.status = status


def require(condition: bool, reason, status: int = 409) -> None:
    if not condition:
        raise Refused(reason, status)
