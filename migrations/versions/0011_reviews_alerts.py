"""reviews and back-in-stock alerts

review_request: the one review request per order; review_invite: the personal link per
product of an order, stored as a keyed hash; review: buyers' reviews, moderated;
review_vote: one "helpful" per visitor and review; review_opt_out: addresses that asked
for no more review requests; stock_alert: addresses waiting for a sold-out size;
product.review_count and product.rating_average: the approved reviews' figures.

Revision ID: 0011_reviews_alerts
Revises: 0010_accounts
Create Date: 2026-12-05 07:03:08.131566

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_reviews_alerts'
down_revision = '0010_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_opt_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_review_opt_out_email_lower_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_opt_out')),
    sa.UniqueConstraint('email', name=op.f('uq_review_opt_out_email'))
    )
    op.create_table('review_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('skipped', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_review_request_order_id_shop_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_request')),
    sa.UniqueConstraint('order_id', name=op.f('uq_review_request_order_id'))
    )
    op.create_table('review_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_review_invite_order_id_shop_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_review_invite_product_id_product'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['review_request.id'], name=op.f('fk_review_invite_request_id_review_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_invite')),
    sa.UniqueConstraint('order_id', 'product_id', name=op.f('uq_review_invite_order_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_review_invite_token_hash'))
    )
    with op.batch_alter_table('review_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_invite_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_invite_request_id'), ['request_id'], unique=False)

    op.create_table('stock_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('confirm_hash', sa.String(length=64), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('unconfirmed', 'waiting', 'sent', 'cancelled')", name=op.f('ck_stock_alert_status_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_stock_alert_email_lower_case')),
    sa.ForeignKeyConstraint(['variant_id'], ['variant.id'], name=op.f('fk_stock_alert_variant_id_variant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alert')),
    sa.UniqueConstraint('confirm_hash', name=op.f('uq_stock_alert_confirm_hash')),
    sa.UniqueConstraint('variant_id', 'email', name=op.f('uq_stock_alert_variant_id'))
    )
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_alert_email'), ['email'], unique=False)
        batch_op.create_index('ix_stock_alert_variant_id_status', ['variant_id', 'status'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('invite_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_name', sa.String(length=40), nullable=False),
    sa.Column('skin_type', sa.String(length=20), nullable=True),
    sa.Column('concern_id', sa.Integer(), nullable=True),
    sa.Column('weeks_used', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('helpful_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_review_status_known')),
    sa.CheckConstraint('helpful_count >= 0', name=op.f('ck_review_helpful_not_negative')),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_rating_range')),
    sa.CheckConstraint('weeks_used IS NULL OR weeks_used BETWEEN 1 AND 104', name=op.f('ck_review_weeks_range')),
    sa.ForeignKeyConstraint(['concern_id'], ['skin_concern.id'], name=op.f('fk_review_concern_id_skin_concern'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invite_id'], ['review_invite.id'], name=op.f('fk_review_invite_id_review_invite'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_review_order_id_shop_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_review_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('invite_id', name=op.f('uq_review_invite_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_concern_id'), ['concern_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_review_product_id_status', ['product_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_status'), ['status'], unique=False)

    op.create_table('review_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_vote_review_id_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_vote')),
    sa.UniqueConstraint('review_id', 'voter', name=op.f('uq_review_vote_review_id'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rating_average', sa.Numeric(precision=3, scale=2), nullable=True))



def downgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('rating_average')
        batch_op.drop_column('review_count')

    op.drop_table('review_vote')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_status'))
        batch_op.drop_index('ix_review_product_id_status')
        batch_op.drop_index(batch_op.f('ix_review_order_id'))
        batch_op.drop_index(batch_op.f('ix_review_created_at'))
        batch_op.drop_index(batch_op.f('ix_review_concern_id'))

    op.drop_table('review')
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_alert_variant_id_status')
        batch_op.drop_index(batch_op.f('ix_stock_alert_email'))

    op.drop_table('stock_alert')
    with op.batch_alter_table('review_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_invite_request_id'))
        batch_op.drop_index(batch_op.f('ix_review_invite_product_id'))

    op.drop_table('review_invite')
    op.drop_table('review_request')
    op.drop_table('review_opt_out')
