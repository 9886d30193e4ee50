"""order email index

shop_order: an index on lower(email), by which a customer's orders are found (the
account's order list, the demo payment page's last address, per-customer promo code
limits) without reading every order.

Revision ID: 0015_order_email_index
Revises: 0014_promotions
Create Date: 2026-12-05 08:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_order_email_index'
down_revision = '0014_promotions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_shop_order_email_lower', 'shop_order', [sa.text('lower(email)')], unique=False
    )


def downgrade():
    op.drop_index('ix_shop_order_email_lower', table_name='shop_order')
