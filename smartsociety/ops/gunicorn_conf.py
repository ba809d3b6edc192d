"""Gunicorn settings for `make serve` and production: `gunicorn -c python:smartsociety.ops.gunicorn_conf`."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# SIGTERM: a worker stops accepting, finishes the request it is serving, then exits;
# graceful_timeout bounds how long that may take before the master kills it.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", 30))
timeout = int(os.environ.get("WORKER_TIMEOUT", 60))
keepalive = 5
max_requests = int(os.environ.get("MAX_REQUESTS", 5000))
max_requests_jitter = 500
# Workers fork from an app loaded once in the master: a worker replaced after max_requests or a
# crash serves within milliseconds instead of importing everything again.
preload_app = True
# Request lines come from the app as JSON (smartsociety.ops.logs); no second access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "smartsociety:create_app()"


def post_fork(server, worker):
    """Database connections must not be shared between processes: each worker opens its own."""
    app = server.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):
        from smartsociety.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)
            # The index is opened per process; opening it here keeps that off the first search.
            from smartsociety.search import service

            service.open_searcher()
