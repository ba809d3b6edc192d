"""sign-in history (issue 21): each sign-in attempt, kept SIGN_IN_HISTORY_DAYS

Revision ID: 0024
Revises: 0018
Create Date: 2026-11-30 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result', sa.Enum('signin_succeeded', 'signin_wrong_password',
                                    'signin_wrong_code', name='signinresult',
                                    native_enum=False, create_constraint=False, length=30),
                  nullable=False),
        sa.Column('second_factor', sa.Boolean(), nullable=False),
        sa.Column('client', sa.String(length=80), nullable=False),
        sa.Column('network', sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_sign_in_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in')),
    )
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_at'), ['at'], unique=False)
        batch_op.create_index('ix_sign_in_user_at', ['user_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_user_at')
        batch_op.drop_index(batch_op.f('ix_sign_in_at'))
    op.drop_table('sign_in')
