"""article status index dropped

article: no index on status alone. The public pages ask for published and scheduled
articles, nearly all of them; SQLite, without statistics, read them all through that
index and sorted them, where the index on published_at, read newest first, stops after
the few a page shows. PostgreSQL did not use it for them.

Revision ID: 0022_article_status_index
Revises: 0021_product_listing_order_index
Create Date: 2026-12-07 15:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_article_status_index'
down_revision = '0021_product_listing_order_index'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_article_status', table_name='article')


def downgrade():
    op.create_index('ix_article_status', 'article', ['status'], unique=False)
