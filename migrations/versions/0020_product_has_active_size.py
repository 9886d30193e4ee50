"""product.has_active_size, kept by the database

product: has_active_size, whether any of its sizes is active, filled in for the
products already there and kept current by triggers on variant (the statements in
shop.catalogue.models.VARIANT_KEEPS_HAS_ACTIVE_SIZE, as they stood at this revision);
the listing index covers on-sale products only, and is_active loses its own index
(SQLite chose it over the listing index, and read the whole product table).

Revision ID: 0020_product_has_active_size
Revises: 0019_product_listing_index
Create Date: 2026-12-07 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_product_has_active_size'
down_revision = '0019_product_listing_index'
branch_labels = None
depends_on = None


POSTGRESQL = (
    """CREATE OR REPLACE FUNCTION product_has_active_size() RETURNS trigger AS $$
DECLARE
    product_ids integer[];
    one integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        product_ids := ARRAY[NEW.product_id];
    ELSIF TG_OP = 'DELETE' THEN
        product_ids := ARRAY[OLD.product_id];
    ELSE
        product_ids := ARRAY[OLD.product_id, NEW.product_id];
    END IF;
    FOREACH one IN ARRAY product_ids LOOP
        UPDATE product SET has_active_size = EXISTS (
            SELECT 1 FROM variant WHERE variant.product_id = one AND variant.is_active IS true
        ) WHERE id = one;
    END LOOP;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER variant_added_or_removed AFTER INSERT OR DELETE ON variant
FOR EACH ROW EXECUTE FUNCTION product_has_active_size()""",
    """CREATE TRIGGER variant_switched AFTER UPDATE OF is_active, product_id ON variant
FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
    OR OLD.product_id IS DISTINCT FROM NEW.product_id)
EXECUTE FUNCTION product_has_active_size()""",
)
SQLITE = (
    """CREATE TRIGGER variant_added AFTER INSERT ON variant BEGIN
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = NEW.product_id AND is_active IS 1
) WHERE id = NEW.product_id;
END""",
    """CREATE TRIGGER variant_removed AFTER DELETE ON variant BEGIN
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = OLD.product_id AND is_active IS 1
) WHERE id = OLD.product_id;
END""",
    """CREATE TRIGGER variant_switched AFTER UPDATE OF is_active, product_id ON variant
WHEN OLD.is_active IS NOT NEW.is_active OR OLD.product_id IS NOT NEW.product_id BEGIN
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = OLD.product_id AND is_active IS 1
) WHERE id = OLD.product_id;
UPDATE product SET has_active_size = EXISTS (
    SELECT 1 FROM variant WHERE product_id = NEW.product_id AND is_active IS 1
) WHERE id = NEW.product_id;
END""",
)


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('has_active_size', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_index('ix_product_listing')
        batch_op.drop_index('ix_product_is_active')
    op.execute(
        "UPDATE product SET has_active_size = EXISTS (SELECT 1 FROM variant"
        " WHERE variant.product_id = product.id AND variant.is_active = "
        + ("true)" if postgresql else "1)")
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(
            'ix_product_listing',
            ['featured_rank', 'name', 'id', 'category_id'],
            unique=False,
            postgresql_where=sa.text('is_active IS true AND has_active_size IS true'),
            sqlite_where=sa.text('is_active IS 1 AND has_active_size IS 1'),
        )
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER variant_switched ON variant")
        op.execute("DROP TRIGGER variant_added_or_removed ON variant")
        op.execute("DROP FUNCTION product_has_active_size()")
    else:
        for name in ('variant_switched', 'variant_removed', 'variant_added'):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_listing')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('has_active_size')
        batch_op.create_index('ix_product_is_active', ['is_active'], unique=False)
        batch_op.create_index(
            'ix_product_listing',
            ['featured_rank', 'name', 'id', 'category_id'],
            unique=False,
            postgresql_where=sa.text('is_active IS true'),
            sqlite_where=sa.text('is_active IS 1'),
        )
