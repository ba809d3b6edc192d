"""two-factor secrets encrypted at rest (smartsociety/secretbox.py)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_user = sa.table('user', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _convert(change) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_user.c.id, _user.c.totp_secret)
                        .where(_user.c.totp_secret.is_not(None))).all()
    for user_id, value in rows:
        bind.execute(sa.update(_user).where(_user.c.id == user_id)
                     .values(totp_secret=change(value)))


def upgrade():
    from smartsociety import secretbox  # the running app's keys (Flask-Migrate's app context)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64),
                              type_=sa.String(length=255), existing_nullable=True)
    _convert(secretbox.encrypt)


def downgrade():
    from smartsociety import secretbox

    _convert(secretbox.decrypt)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255),
                              type_=sa.String(length=64), existing_nullable=True)
