"""memberships: a member's link to an organisation becomes a claim until it is verified

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 11:30:03.682587

What becomes of existing accounts: every member with an organisation gets one open membership
of it. Members of organisations a moderator has verified become VERIFIED memberships (method
"migration", so organisation administrators and moderators can find and review them on the
organisation page); members of unverified organisations become CLAIMS that an organisation
administrator or a moderator approves. Nobody loses their organisation; the strict rules of
issue 15 (badge, votes by kind, reviews, offers, inbox) then apply from this state.
Organisations start without e-mail domains and without administrators.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('claimed', 'verified', 'refused', 'ended', name='membershipstate', native_enum=False, length=32), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('method', sa.Enum('domain', 'organisation_admin', 'moderator', 'migration', name='verificationmethod', native_enum=False, length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_membership_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user.id'], name=op.f('fk_membership_ended_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_membership_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_membership_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index('ix_membership_open_per_user', ['user_id'], unique=True, sqlite_where=sa.text("state IN ('claimed', 'verified')"), postgresql_where=sa.text("state IN ('claimed', 'verified')"))
        batch_op.create_index(batch_op.f('ix_membership_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_membership_user_organisation', ['user_id', 'organisation_id', 'state'], unique=False)

    op.create_table('organisation_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_organisation_domain_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_domain_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_domain')),
    sa.UniqueConstraint('domain', name=op.f('uq_organisation_domain_domain'))
    )
    with op.batch_alter_table('organisation_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_domain_organisation_id'), ['organisation_id'], unique=False)

    _memberships_for_existing_accounts()


def _memberships_for_existing_accounts():
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('organisation_id', sa.Integer),
                    sa.column('created_at', sa.DateTime(timezone=True)))
    organisation = sa.table('organisation', sa.column('id', sa.Integer),
                            sa.column('verified_at', sa.DateTime(timezone=True)))
    membership = sa.table(
        'membership', sa.column('user_id', sa.Integer), sa.column('organisation_id', sa.Integer),
        sa.column('state', sa.String), sa.column('is_admin', sa.Boolean),
        sa.column('method', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('decided_at', sa.DateTime(timezone=True)),
    )
    verified = organisation.c.verified_at.is_not(None)
    op.execute(membership.insert().from_select(
        ['user_id', 'organisation_id', 'state', 'is_admin', 'method', 'created_at', 'decided_at'],
        sa.select(
            user.c.id, user.c.organisation_id,
            sa.case((verified, sa.literal('verified')), else_=sa.literal('claimed')),
            sa.false(),
            sa.case((verified, sa.literal('migration')), else_=sa.null()),
            user.c.created_at,
            sa.case((verified, sa.func.current_timestamp()), else_=sa.null()),
        ).select_from(user.join(organisation, organisation.c.id == user.c.organisation_id)),
    ))


def downgrade():
    # User.organisation_id was kept in step with the open membership, so nothing is lost that
    # the schema before this revision could hold.
    with op.batch_alter_table('organisation_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_domain_organisation_id'))

    op.drop_table('organisation_domain')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_user_organisation')
        batch_op.drop_index(batch_op.f('ix_membership_organisation_id'))
        batch_op.drop_index('ix_membership_open_per_user', sqlite_where=sa.text("state IN ('claimed', 'verified')"), postgresql_where=sa.text("state IN ('claimed', 'verified')"))

    op.drop_table('membership')
