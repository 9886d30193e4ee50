"""outbox

outgoing_email: every email the shop sends, stored (rendered in full) with the
change that asks for it and delivered by the task queue, with its retries and
what became of it.

Revision ID: 0009_outbox
Revises: 0008_checkout_limits
Create Date: 2026-11-22 10:12:31.204116

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_outbox'
down_revision = '0008_checkout_limits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_outgoing_email_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outgoing_email_attempts_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_outgoing_email_order_id_shop_order'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_email')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outgoing_email_dedupe_key'))
    )
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_email_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_email_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_email_recipient'), ['recipient'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_email_recipient'))
        batch_op.drop_index(batch_op.f('ix_outgoing_email_order_id'))
        batch_op.drop_index('ix_outgoing_email_status_next_attempt_at')

    op.drop_table('outgoing_email')
