"""indexes on product_concern and product_free_from by concern and by flag

A listing filtered by a skin concern or a free-from flag asks which products have it.
Both tables' primary keys start with the product, so PostgreSQL scanned the whole table
and hashed it for every such listing; these indexes give a concern's or a flag's
products directly (and serve the cascade when a concern or flag is deleted). SQLite
keeps its plan, a primary-key probe per product.

Revision ID: 0023_concern_flag_indexes
Revises: 0022_article_status_index
Create Date: 2026-12-07 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_concern_flag_indexes'
down_revision = '0022_article_status_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_product_concern_by_concern', 'product_concern', ['concern_id', 'product_id'], unique=False
    )
    op.create_index(
        'ix_product_free_from_by_flag', 'product_free_from', ['flag_id', 'product_id'], unique=False
    )


def downgrade():
    op.drop_index('ix_product_free_from_by_flag', table_name='product_free_from')
    op.drop_index('ix_product_concern_by_concern', table_name='product_concern')
