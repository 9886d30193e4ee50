"""product listing order index

product: a partial index on the featured order itself ((featured_rank IS NULL),
featured_rank, name, id, category_id) over products on sale, from which the whole
shop's listing reads its page without sorting every product on sale.

Revision ID: 0021_product_listing_order_index
Revises: 0020_product_has_active_size
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_product_listing_order_index'
down_revision = '0020_product_has_active_size'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_product_listing_order',
        'product',
        [sa.text('(featured_rank IS NULL)'), 'featured_rank', 'name', 'id', 'category_id'],
        unique=False,
        postgresql_where=sa.text('is_active IS true AND has_active_size IS true'),
        sqlite_where=sa.text('is_active IS 1 AND has_active_size IS 1'),
    )


def downgrade():
    op.drop_index('ix_product_listing_order', table_name='product')
