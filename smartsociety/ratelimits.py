"""Per-account limits for actions that other members see or that act on them (issue 16):
consultation comments and amendments, reports. Counted only for POSTs that get past login."""
from flask import current_app, request
from flask_login import current_user

from smartsociety.extensions import limiter


def account_key() -> str:
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{request.remote_addr}"


def per_account(setting: str, scope: str):
    """A decorator: at most config[setting] (e.g. "20 per hour") POSTs per account, shared by
    every view decorated with the same `scope`."""
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=scope, key_func=account_key, methods=["POST"],
    )


consultation = per_account("CONSULTATION_LIMIT", "consultation")
reports = per_account("REPORT_LIMIT", "report")
