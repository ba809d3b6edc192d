"""e-mail verified

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 11:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts made before e-mail verification existed keep working: their addresses count as
    # verified from now on (they signed in with them; asking all of them again would lock out
    # the network's existing members).
    op.execute(sa.text('UPDATE "user" SET email_verified_at = created_at'))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
