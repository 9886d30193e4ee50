"""accounts

customer: passwordless customer accounts (the basket kept with each, the Stripe
customer id for later, a block on commenting); sign_in_code: the one live code and
link per address and purpose, stored as keyed hashes; article_comment: comments on
journal articles, moderated.

Revision ID: 0010_accounts
Revises: 0009_outbox
Create Date: 2026-12-04 18:22:35.554063

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_accounts'
down_revision = '0009_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_key', sa.String(length=32), nullable=False),
    sa.Column('cart_id', sa.Integer(), nullable=True),
    sa.Column('comments_blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stripe_customer_id', sa.String(length=255), nullable=True),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_customer_email_lower_case')),
    sa.ForeignKeyConstraint(['cart_id'], ['cart.id'], name=op.f('fk_customer_cart_id_cart'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('email', name=op.f('uq_customer_email')),
    sa.UniqueConstraint('stripe_customer_id', name=op.f('uq_customer_stripe_customer_id'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_cart_id'), ['cart_id'], unique=False)

    op.create_table('article_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'hidden')", name=op.f('ck_article_comment_status_known')),
    sa.CheckConstraint('report_count >= 0', name=op.f('ck_article_comment_report_count_not_negative')),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_comment_article_id_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_article_comment_customer_id_customer'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_comment'))
    )
    with op.batch_alter_table('article_comment', schema=None) as batch_op:
        batch_op.create_index('ix_article_comment_article_id_status', ['article_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_comment_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_comment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_comment_status'), ['status'], unique=False)

    op.create_table('sign_in_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('link_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('sign_in', 'change_email')", name=op.f('ck_sign_in_code_purpose_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_sign_in_code_attempts_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_sign_in_code_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_code')),
    sa.UniqueConstraint('email', 'purpose', name=op.f('uq_sign_in_code_email')),
    sa.UniqueConstraint('link_hash', name=op.f('uq_sign_in_code_link_hash'))
    )
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_code_customer_id'), ['customer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_code_customer_id'))

    op.drop_table('sign_in_code')
    with op.batch_alter_table('article_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_comment_status'))
        batch_op.drop_index(batch_op.f('ix_article_comment_customer_id'))
        batch_op.drop_index(batch_op.f('ix_article_comment_created_at'))
        batch_op.drop_index('ix_article_comment_article_id_status')

    op.drop_table('article_comment')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_cart_id'))

    op.drop_table('customer')
