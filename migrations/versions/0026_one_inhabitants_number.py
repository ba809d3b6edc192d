"""one number of inhabitants per gemeente: gemeente_size folds into organisation.inhabitants

The landscape kept its own table next to the organisation's column that the self-evaluation
used, so the two could disagree. The landscape's number wins where it was set (it is the newer
feature's and has its own form).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 17:55:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

_organisation = sa.table('organisation', sa.column('id', sa.Integer),
                         sa.column('kind', sa.String), sa.column('inhabitants', sa.Integer))


def upgrade():
    bind = op.get_bind()
    sizes = sa.table('gemeente_size', sa.column('organisation_id', sa.Integer),
                     sa.column('inhabitants', sa.Integer))
    for organisation_id, inhabitants in bind.execute(
            sa.select(sizes.c.organisation_id, sizes.c.inhabitants)).all():
        bind.execute(sa.update(_organisation).where(_organisation.c.id == organisation_id)
                     .values(inhabitants=inhabitants))
    op.drop_table('gemeente_size')


def downgrade():
    sizes = op.create_table(
        'gemeente_size',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('inhabitants', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_gemeente_size_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_gemeente_size')),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(_organisation.c.id, _organisation.c.inhabitants).where(
        _organisation.c.kind == 'gemeente', _organisation.c.inhabitants.is_not(None))).all()
    now = datetime.now(UTC)
    op.bulk_insert(sizes, [{'organisation_id': oid, 'inhabitants': number, 'updated_at': now}
                           for oid, number in rows])
