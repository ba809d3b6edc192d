"""Two-factor secrets are stored encrypted: a database copy alone does not give them away, a
wrong key refuses rather than switching the second factor off, and keys can be rotated."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from smartsociety import create_app, secretbox
from smartsociety.extensions import db
from smartsociety.models import User
from tests.conftest import make_config
from tests.factories import UserFactory, saved
from tests.migrating import fresh_database_url, insert_row

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RAW = sa.table("user", sa.column("id"), sa.column("totp_secret", sa.String))


def raw_secret(user_id: int) -> str | None:
    return db.session.execute(sa.select(RAW.c.totp_secret).where(RAW.c.id == user_id)).scalar()


def test_secret_is_stored_encrypted_and_read_back(db):
    user = UserFactory(totp_secret=SECRET)
    saved()
    stored = raw_secret(user.id)
    assert stored and SECRET not in stored and stored.startswith("gAAAA")  # a Fernet token
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == SECRET


def test_another_key_refuses_instead_of_dropping_the_secret(app, db):
    user = UserFactory(totp_secret=SECRET)
    saved()
    db.session.expire_all()
    app.config["SECRET_KEY"] = "another-secret-key-of-enough-length-0123456789"
    with pytest.raises(secretbox.SecretUnreadable):
        db.session.get(User, user.id).totp_secret  # noqa: B018


def test_rotation_to_a_new_key(app, db):
    user = UserFactory(totp_secret=SECRET)
    saved()
    old_token = raw_secret(user.id)
    runner = app.test_cli_runner()
    new_key = runner.invoke(args=["users", "new-encryption-key"]).output.strip()
    old_key = secretbox._derived(app.config["SECRET_KEY"]).decode()
    app.config["DATA_ENCRYPTION_KEYS"] = f"{new_key},{old_key}"
    result = runner.invoke(args=["users", "rotate-secrets"])
    assert result.exit_code == 0 and "1 secret(s)" in result.output
    db.session.expire_all()
    assert raw_secret(user.id) != old_token
    app.config["DATA_ENCRYPTION_KEYS"] = new_key  # the old key is no longer needed
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == SECRET


def test_migration_encrypts_secrets_stored_in_plain_text(tmp_path, postgres):
    url = fresh_database_url(tmp_path, postgres)
    app = create_app(make_config(tmp_path, None, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0024")
        with db.engine.begin() as conn:
            insert_row(conn, "user", totp_secret=SECRET)
        upgrade()
        with db.engine.connect() as conn:
            stored = conn.execute(sa.select(RAW.c.totp_secret)).scalar()
        assert stored != SECRET and secretbox.decrypt(stored) == SECRET
        downgrade(revision="0024")
        with db.engine.connect() as conn:
            assert conn.execute(sa.select(RAW.c.totp_secret)).scalar() == SECRET
        db.engine.dispose()
