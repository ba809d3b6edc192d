"""Libraries for rare pages and commands are imported on first use, not with the app: gunicorn's
master preloads the app and every worker counts its memory (issue 23 item 4). Each still works
on first use (their features' own tests run in processes that have imported them already, so
these check a fresh process)."""
import subprocess
import sys
import textwrap

# Loaded only by a feed, an iCalendar file, a sensor's geometry, a two-factor QR code, a sign-in,
# an upload, a stored secret, or `flask db` / the migration helpers.
LAZY = ("alembic", "mako", "flask_migrate", "feedgen", "lxml", "icalendar", "shapely", "segno",
        "ua_parser", "filetype", "cryptography")


def _run(tmp_path, code: str) -> str:
    env = {"SMARTSOCIETY_CONFIG": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "SEARCH_INDEX_DIR": str(tmp_path / "index"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=".",
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_app_and_its_common_pages_do_not_import_rarely_used_libraries(tmp_path):
    out = _run(tmp_path, f"""
        import sys
        from smartsociety import create_app
        from smartsociety.extensions import db
        from tests.factories import CaseFactory, UserFactory

        app = create_app()
        with app.app_context():
            db.create_all()
            CaseFactory(author=UserFactory())  # a member without a secret is loaded and shown
            db.session.commit()
        client = app.test_client()
        for path in ("/", "/casussen", "/casussen/1", "/zoeken?q=casus"):
            response = client.get(path)
            assert response.status_code == 200, path
            response.close()
        print(sorted(m for m in {LAZY!r} if m in sys.modules))
        """)
    assert out.strip() == "[]"


def test_flask_db_commands_and_migrate_helpers_work_in_a_fresh_process(tmp_path):
    out = _run(tmp_path, """
        from flask_migrate import current, upgrade
        from smartsociety import create_app

        app = create_app()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "--help"])
        assert result.exit_code == 0 and "upgrade" in result.output, result.output
        result = runner.invoke(args=["db", "-x", "unused=1", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            current()
            upgrade()  # at head already: nothing to do, and no error
        print("ok")
        """)
    assert out.strip().endswith("ok")
