"""contact conversations: replies to contact messages

Revision ID: 0015
Revises: 0016
Create Date: 2026-11-30 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contact_reply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'],
                                name=op.f('fk_contact_reply_author_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['message_id'], ['contact_message.id'],
                                name=op.f('fk_contact_reply_message_id_contact_message'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_reply')),
    )
    with op.batch_alter_table('contact_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_reply_message_id'), ['message_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('contact_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_reply_message_id'))
    op.drop_table('contact_reply')
