"""`make serve`: the production set-up on this machine — PostgreSQL, Redis, the jobs worker
(search index, mail, view counts, digests and the other scheduled jobs: docs/jobs.md) and
gunicorn — each started here unless the environment points at one already running."""
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from smartsociety.ops.pgserver import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"
BIN = Path(sys.executable).parent
# The background processes beside gunicorn: one jobs worker runs every job (several are safe).
BACKGROUND = [("jobs", "run")]


def _secret_key() -> str:
    path = INSTANCE / "production_secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "smartsociety", *args], env=env, check=True,
                   cwd=ROOT)


def main() -> int:
    INSTANCE.mkdir(exist_ok=True)
    env = dict(os.environ, SMARTSOCIETY_CONFIG="production", REQUEST_LOG="true")
    env.setdefault("SECRET_KEY", _secret_key())
    bind = env.setdefault("BIND", "127.0.0.1:8000")
    local = bind.startswith(("127.", "localhost"))
    if local:
        # Tried over plain http on loopback; behind a TLS proxy cookies stay Secure.
        env.setdefault("SESSION_COOKIE_SECURE", "false")

    services: list[subprocess.Popen] = []
    postgres = None
    if "DATABASE_URL" not in env:
        postgres = PostgresServer(root=str(INSTANCE / "pg"), port=int(env.get("PG_PORT", 5433)),
                                  durable=True).start()
        env["DATABASE_URL"] = postgres.create_database("smartsociety", exist_ok=True)
        print(f"PostgreSQL: {env['DATABASE_URL']} (data in instance/pg)", flush=True)
    if "REDIS_URL" not in env:
        port = env.get("REDIS_PORT", "6380")
        (INSTANCE / "redis").mkdir(exist_ok=True)
        services.append(subprocess.Popen(
            ["redis-server", "--port", port, "--bind", "127.0.0.1", "--dir",
             str(INSTANCE / "redis"), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        ))
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        print(f"Redis: {env['REDIS_URL']} (rate-limit storage shared by the workers)", flush=True)
    env.setdefault("RATELIMIT_STORAGE_URI", env["REDIS_URL"])

    try:
        _flask(env, "db", "upgrade")
        if postgres is not None:
            _flask(env, "demo", "load", "--force")
        for command in BACKGROUND:
            services.append(subprocess.Popen([str(BIN / "flask"), "--app", "smartsociety",
                                              *command], env=env, cwd=ROOT))
        web = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:smartsociety.ops.gunicorn_conf"],
                               env=env, cwd=ROOT)
        services.append(web)
        print(f"Serving on http://{bind} (Ctrl-C stops everything)", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: web.send_signal(signal.SIGTERM))
        try:
            while all(proc.poll() is None for proc in services):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        return 0 if web.poll() in (None, 0) else 1
    finally:
        for proc in reversed(services):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in services:
            try:
                proc.wait(35)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if postgres is not None:
            postgres.stop("fast")


if __name__ == "__main__":
    sys.exit(main())
