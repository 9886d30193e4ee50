"""product listing index

product: a partial index on (featured_rank, name, id, category_id) over active
products, from which a listing's page and total and the home page's featured products
are read without reading the whole product table.

Revision ID: 0019_product_listing_index
Revises: 0018_product_key_facts
Create Date: 2026-12-06 22:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_product_listing_index'
down_revision = '0018_product_key_facts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(
            'ix_product_listing',
            ['featured_rank', 'name', 'id', 'category_id'],
            unique=False,
            postgresql_where=sa.text('is_active IS true'),
            sqlite_where=sa.text('is_active IS 1'),
        )


def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_listing')
