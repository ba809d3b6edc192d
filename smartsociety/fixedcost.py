"""Per-process memos of what every request's hooks built anew although it never changes: the
session cookie's signing serializer and the Content-Security-Policy header's text. Each is
keyed by everything it is made from, so a changed key or policy is used at once. The app
class, whose check of each hook for `async def` takes the short way for plain functions, and
the rate limiter, which lets a request its filters exempt go at once."""
import inspect
from types import FunctionType

import flask
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_login.config import COOKIE_NAME
from flask_login.signals import user_accessed
from flask_talisman import Talisman


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session. Flask builds its serializer (itsdangerous, which tests
    its JSON serializer by dumping a value) for every request, with or without a cookie; the
    serializer holds no request state, so one per set of keys serves them all."""

    _serializers: dict = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), self.salt,
               self.key_derivation, self.digest_method, self.serializer)
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer


class KeptPolicyTalisman(Talisman):
    """Flask-Talisman, with the policy's header text made once per policy: Talisman joins the
    policy dict into a string on every response. A request with a CSP nonce (none is
    configured here) still gets its own string, as the nonce is part of it."""

    _policies: dict = {}

    def _parse_policy(self, policy):
        if getattr(flask.request, "csp_nonce", None) is not None:
            return super()._parse_policy(policy)
        key = policy if isinstance(policy, str) else tuple(
            (section, content if isinstance(content, str) else tuple(content))
            for section, content in policy.items())
        text = self._policies.get(key)
        if text is None:
            text = self._policies[key] = super()._parse_policy(policy)
        return text


class ExemptFirstLimiter(Limiter):
    """Flask-Limiter, whose check before each request returns at once when one of its request
    filters exempts the request from every limit (reading a public page, pagecache.py). The
    library answers the same, but only after resolving the view's name and limits and
    evaluating an empty list of them; with meta limits configured (none are) it still tests
    those, so then it is asked the long way. Decorated views' own checks are not touched."""

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if (callable_name is None and self.enabled and self.initialized
                and not self._meta_limits and any(fn() for fn in self._request_filters)):
            return
        super()._check_request_limit(callable_name, in_middleware)


class AnonymousFirstLoginManager(LoginManager):
    """Flask-Login, telling at once that a request with an empty session and no remember
    cookie (an anonymous reader's) has no user. The library reaches the same answer after
    hashing the client's address and user agent for session protection (of which an empty
    session has nothing to protect) and looking for a remember cookie; with a request or
    header loader registered (none is) it is asked the long way. The session is read as the
    library reads it, so `Vary: Cookie` stays as it was."""

    def _load_user(self):
        if (flask.session.get("_user_id") is None and not flask.session
                and self._request_callback is None and self._header_callback is None
                and flask.current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
                not in flask.request.cookies):
            user_accessed.send(flask.current_app._get_current_object())
            return self._update_request_context_with_user()
        return super()._load_user()


class SmartSocietyFlask(flask.Flask):
    """Flask, asking each of a request's ~29 hooks, context processors and its view whether it
    is `async def` with a look at the function's code flags: `inspect.iscoroutinefunction`
    unwraps methods and partials first, a few µs a call. The answer is the same (a function's
    code says whether it is a coroutine function, or a marker does on newer Pythons); what is
    not a plain function (a bound method, a partial) is asked the long way."""

    def ensure_sync(self, func):
        if (type(func) is FunctionType and not func.__code__.co_flags & _COROUTINE
                and not hasattr(func, "_is_coroutine_marker")):
            return func
        return super().ensure_sync(func)


_COROUTINE = inspect.CO_COROUTINE
