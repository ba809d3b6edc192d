"""Record sign-ins (data-minimal), list a member's recent ones, and forget old ones.

Recorded: every attempt on an existing account (a right or wrong password, a right or wrong
second-factor code), with its time, the browser and system *families* (ua-parser: "Firefox on
Linux", never the full user-agent string) and the address cut to its network (IPv4 /24, IPv6
/48). Attempts on addresses that have no account are not recorded (there is no one to show them
to). Kept SIGN_IN_HISTORY_DAYS (default 90), then deleted by the `signins.prune` job; at
account deletion they are erased with the account's other personal data."""
import ipaddress
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from smartsociety.extensions import db
from smartsociety.models import LoginSession, SignIn, SignInResult, User, utcnow
from smartsociety.transaction import committed

SHOWN = 20
UNKNOWN = "?"


def client_family(user_agent: str | None) -> str:
    """"Firefox on Linux"; what ua-parser does not know is "Other"."""
    if not user_agent:
        return ""
    # Imported at the first sign-in, not with the app (1 MB of patterns in every web worker).
    from ua_parser import parse

    result = parse(user_agent[:1000])
    browser = result.user_agent.family if result.user_agent else "Other"
    system = result.os.family if result.os else "Other"
    return f"{browser} on {system}"[:80]


def network_of(address: str | None) -> str:
    """The address cut to its network: 192.0.2.17 → 192.0.2.0/24, IPv6 to a /48."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def this_client() -> tuple[str, str]:
    """(browser family, network) of the current request."""
    if not has_request_context():
        return "", ""
    return client_family(request.user_agent.string), network_of(request.remote_addr)


def record(user: User, result: SignInResult, second_factor: bool = False,
           client: tuple[str, str] | None = None) -> SignIn:
    """Add one attempt to the member's history (the caller commits)."""
    family, network = client if client is not None else this_client()
    row = SignIn(user_id=user.id, result=result, second_factor=second_factor, client=family,
                 network=network, at=utcnow())
    db.session.add(row)
    return row


def record_wrong_password(email: str, client: tuple[str, str]) -> None:
    """A wrong password for an address that has an account (run after the response)."""
    with committed():  # after the response, outside the request's transaction
        user = db.session.scalar(User.by_email(email))
        if user is not None and user.erased_at is None:
            record(user, SignInResult.WRONG_PASSWORD, client=client)


def recent(user: User, limit: int = SHOWN) -> list[SignIn]:
    return list(db.session.scalars(
        sa.select(SignIn).where(SignIn.user_id == user.id)
        .order_by(SignIn.at.desc(), SignIn.id.desc()).limit(limit)))


def history(user: User) -> list[SignIn]:
    """Everything kept about the member's sign-ins, oldest first (for the export)."""
    return list(db.session.scalars(
        sa.select(SignIn).where(SignIn.user_id == user.id).order_by(SignIn.at, SignIn.id)))


def retention_days() -> int:
    return current_app.config["SIGN_IN_HISTORY_DAYS"]


def prune() -> int:
    """Delete sign-ins older than the retention period, and login sessions that can no longer
    open anything (ended, or older than SESSION_MAX_AGE) and are past it too."""
    oldest = utcnow() - timedelta(days=retention_days())
    removed = db.session.execute(sa.delete(SignIn).where(SignIn.at < oldest)).rowcount
    dead = utcnow() - timedelta(seconds=current_app.config["SESSION_MAX_AGE"])
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.created_at < min(oldest, dead)))
    return removed or 0
