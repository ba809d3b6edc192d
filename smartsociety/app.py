"""The application factory: a table of contents of what the site is made of."""
import gc
from pathlib import Path

from flask import Flask

from smartsociety import commands, errors, templating
from smartsociety.config import config_for
from smartsociety.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman

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
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    configure(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
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
    config_class.init_app(app)


def register_extensions(app: Flask) -> None:
    from smartsociety import database, i18n, pagecache, search
    from smartsociety.ops import logs
    from smartsociety.accounts.session import load_user

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
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
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
    )
    templating.init_app(app)
    logs.init_app(app)
    search.init_app(app)
    pagecache.init_app(app)


def register_blueprints(app: Flask) -> None:
    from smartsociety.accounts.views import bp as accounts_bp
    from smartsociety.admin.views import bp as admin_bp
    from smartsociety.cases.views import bp as cases_bp
    from smartsociety.feeds.views import bp as feeds_bp
    from smartsociety.main.views import bp as main_bp
    from smartsociety.notify.views import bp as notify_bp
    from smartsociety.moderation.views import bp as moderation_bp
    from smartsociety.ops.views import bp as ops_bp
    from smartsociety.organisations.views import bp as organisations_bp
    from smartsociety.principles.views import bp as principles_bp
    from smartsociety.search.views import bp as search_bp
    from smartsociety.solutions.views import bp as solutions_bp
    from smartsociety.partners.views import bp as partners_bp
    from smartsociety.landscape.views import bp as landscape_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(principles_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(solutions_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(landscape_bp)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    commands.init_app(app)
