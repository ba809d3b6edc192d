"""The application factory: a table of contents of what the site is made of."""
import gc
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from smartsociety import (
    commands,
    errors,
    fixedcost,
    frame,
    headers,
    inputs,
    templating,
    transaction,
)
from smartsociety.config import config_for
from smartsociety.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman
from smartsociety.ids import DatabaseIdConverter

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: str | dict | None = None) -> Flask:
    app = fixedcost.SmartSocietyFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    configure(app, config)
    # Before any blueprint: every `<int:...>` route matches only ids a database can hold.
    app.url_map.converters["int"] = DatabaseIdConverter
    # The session cookie's serializer made once per set of keys, not once per request.
    app.session_interface = fixedcost.SessionInterface()
    # Control characters are removed from every parameter and field (smartsociety/inputs.py).
    inputs.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_plugins(app)
    register_errorhandlers(app)
    register_commands(app)
    # Last: its after-request hook (the one commit of a request) then runs before the others.
    transaction.register_transaction(app)
    if app.config["PROXY_COUNT"]:
        # Behind nginx/HAProxy: the client address and scheme from X-Forwarded-For/-Proto,
        # trusting exactly PROXY_COUNT hops (more would let a client choose its own address).
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)
    if app.config["SEARCH_PRELOAD"]:
        # The Dutch search data (~1 s, once per process): now, not on the first search.
        from smartsociety.search import service as search_service

        search_service.preload()
    if app.config["GC_FREEZE"]:
        # A full collection walks every object (~130 ms at this size, on whichever request
        # it falls), and the app's objects live as long as the process: leave them out of
        # later collections (in gunicorn's preloading master, also before the fork, so the
        # workers do not copy their pages by walking them).
        gc.collect()
        gc.freeze()
    return app


def configure(app: Flask, config: str | dict | None) -> None:
    """Load a config class by name, then apply overrides given as a dict (tests use these)."""
    overrides = config if isinstance(config, dict) else {}
    name = config if isinstance(config, str) else overrides.get("CONFIG")
    config_class = config_for(name)
    app.config.from_object(config_class)
    app.config.update(overrides)
    instance = Path(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("SQLALCHEMY_DATABASE_URI") or (
        f"sqlite:///{instance / 'smartsociety.db'}"
    )
    app.config["SEARCH_INDEX_DIR"] = app.config.get("SEARCH_INDEX_DIR") or str(
        instance / "search-index"
    )
    app.config["UPLOAD_DIR"] = app.config.get("UPLOAD_DIR") or str(instance / "uploads")
    app.config["VIEWS_DIR"] = app.config.get("VIEWS_DIR") or str(instance / "views")
    data_root = Path(app.config["UPLOAD_DIR"]).parent
    app.config["OPENDATA_DIR"] = app.config.get("OPENDATA_DIR") or str(data_root / "open-data")
    app.config["EXPORT_DIR"] = app.config.get("EXPORT_DIR") or str(data_root / "exports")
    config_class.init_app(app)


def content_security_policy(app: Flask) -> dict:
    """The policy, with the sensor map's tile host (and only it) allowed for images."""
    from urllib.parse import urlsplit

    tiles = urlsplit(app.config.get("SENSOR_TILE_URL") or "")
    if not (tiles.scheme in ("https", "http") and tiles.netloc):
        return CONTENT_SECURITY_POLICY
    origin = f"{tiles.scheme}://{tiles.netloc}"
    return {**CONTENT_SECURITY_POLICY, "img-src": f"{CONTENT_SECURITY_POLICY['img-src']} {origin}"}


def register_extensions(app: Flask) -> None:
    from smartsociety import database, i18n, pagecache, webassets
    from smartsociety.accounts import session as session_records
    from smartsociety.accounts.session import load_user
    from smartsociety.ops import logs, timing

    database.init_app(app)  # and db.init_app
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    session_records.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = i18n.LOGIN_MESSAGE
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(ROOT / "smartsociety" / "translations"),
    )
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=content_security_policy(app),
        referrer_policy="strict-origin-when-cross-origin",
    )
    templating.init_app(app)
    frame.init_app(app)
    headers.init_app(app)
    logs.init_app(app)
    timing.init_app(app)  # Server-Timing header (SEARCH_SERVER_TIMING)
    pagecache.init_app(app)
    webassets.init_app(app)
    from smartsociety import api
    api.init_app(app)


def register_blueprints(app: Flask) -> None:
    from smartsociety.accounts.views import bp as accounts_bp
    from smartsociety.admin.views import bp as admin_bp
    from smartsociety.api.views import bp as api_pages_bp
    from smartsociety.cases.views import bp as cases_bp
    from smartsociety.devmail.views import bp as devmail_bp
    from smartsociety.evaluation.views import bp as evaluation_bp
    from smartsociety.events.views import bp as events_bp
    from smartsociety.feeds.views import bp as feeds_bp
    from smartsociety.landscape.views import bp as landscape_bp
    from smartsociety.main.views import bp as main_bp
    from smartsociety.memberships.views import bp as memberships_bp
    from smartsociety.moderation.views import bp as moderation_bp
    from smartsociety.notify.views import bp as notify_bp
    from smartsociety.opendata.views import bp as opendata_bp
    from smartsociety.ops.views import bp as ops_bp
    from smartsociety.organisations.views import bp as organisations_bp
    from smartsociety.partners.views import bp as partners_bp
    from smartsociety.passwordreset.views import bp as passwordreset_bp
    from smartsociety.principles.views import bp as principles_bp
    from smartsociety.privacy.views import bp as privacy_bp
    from smartsociety.search.views import bp as search_bp
    from smartsociety.sensors.views import bp as sensors_bp
    from smartsociety.signins.views import bp as signins_bp
    from smartsociety.solutions.contact import bp as contact_bp
    from smartsociety.solutions.views import bp as solutions_bp
    from smartsociety.twofactor.views import bp as twofactor_bp
    from smartsociety.verification.views import bp as verification_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(principles_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(solutions_bp)
    app.register_blueprint(contact_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(sensors_bp)
    app.register_blueprint(verification_bp)
    app.register_blueprint(passwordreset_bp)
    app.register_blueprint(twofactor_bp)
    if app.config["ENV_NAME"] == "development":
        app.register_blueprint(devmail_bp)  # /dev/mail: nowhere else (404)
    app.register_blueprint(memberships_bp)
    app.register_blueprint(api_pages_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(landscape_bp)
    app.register_blueprint(signins_bp)


def register_plugins(app: Flask) -> None:
    """Each feature adds what it contributes to other packages' registries: search document
    types (search.registry), reportable types (moderation.registry), sections of the case
    and organisation pages (cases.sections, organisations.sections), the notification kinds
    members choose mail for (notify.registry) and jobs (jobs.registry; search, notify,
    viewcounts, opendata, privacy and signins plug in only jobs). Order matters twice: it is the
    order of the moderation queue's type filter, and partners extends the case document type that the cases' plug-in registers."""
    from smartsociety.accounts import plugins as accounts_plugins
    from smartsociety.cases import plugins as cases_plugins
    from smartsociety.events import plugins as events_plugins
    from smartsociety.landscape import plugins as landscape_plugins
    from smartsociety.memberships import plugins as memberships_plugins
    from smartsociety.moderation import plugins as moderation_plugins
    from smartsociety.notify import plugins as notify_plugins
    from smartsociety.opendata import plugins as opendata_plugins
    from smartsociety.partners import plugins as partners_plugins
    from smartsociety.principles import plugins as principles_plugins
    from smartsociety.privacy import plugins as privacy_plugins
    from smartsociety.search import plugins as search_plugins
    from smartsociety.sensors import plugins as sensors_plugins
    from smartsociety.signins import plugins as signins_plugins
    from smartsociety.solutions import plugins as solutions_plugins
    from smartsociety.viewcounts import plugins as viewcounts_plugins

    for plugins in (solutions_plugins, cases_plugins, principles_plugins, events_plugins,
                    sensors_plugins, landscape_plugins, partners_plugins, accounts_plugins,
                    memberships_plugins, moderation_plugins, search_plugins, notify_plugins, viewcounts_plugins,
                    opendata_plugins, privacy_plugins, signins_plugins):
        plugins.register(app)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    commands.init_app(app)
