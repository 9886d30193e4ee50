"""search text

Product.search_text: the name, descriptions, INCI names and strain names of a
product, lower-cased, for shop search. Existing products are filled in here; on
PostgreSQL a trigram index (pg_trgm) serves LIKE '%term%' on it.

Revision ID: 0006_search_text
Revises: 0005_back_office
Create Date: 2026-11-21 14:27:57.060865

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_search_text'
down_revision = '0005_back_office'
branch_labels = None
depends_on = None

# The tables as this revision knows them (not the models, which move on).
product = sa.table(
    'product',
    sa.column('id', sa.Integer),
    sa.column('name', sa.String),
    sa.column('short_description', sa.String),
    sa.column('long_description', sa.Text),
    sa.column('search_text', sa.Text),
)
ingredient = sa.table(
    'ingredient',
    sa.column('id', sa.Integer),
    sa.column('product_id', sa.Integer),
    sa.column('position', sa.Integer),
    sa.column('inci_name', sa.String),
)
strain = sa.table(
    'strain',
    sa.column('id', sa.Integer),
    sa.column('product_id', sa.Integer),
    sa.column('position', sa.Integer),
    sa.column('genus', sa.String),
    sa.column('species', sa.String),
    sa.column('designation', sa.String),
)


def _search_texts(conn):
    """(product id, search text) for every product, built as
    shop.catalogue.search_text.product_search_text builds it: one part a line,
    lower-cased in Python."""
    parts = defaultdict(list)
    for product_id, inci_name in conn.execute(
        sa.select(ingredient.c.product_id, ingredient.c.inci_name).order_by(
            ingredient.c.product_id, ingredient.c.position, ingredient.c.id
        )
    ):
        parts[product_id].append(inci_name)
    for product_id, *names in conn.execute(
        sa.select(strain.c.product_id, strain.c.genus, strain.c.species, strain.c.designation)
        .order_by(strain.c.product_id, strain.c.position, strain.c.id)
    ):
        parts[product_id].append(' '.join(name for name in names if name))
    for product_id, *texts in conn.execute(
        sa.select(product.c.id, product.c.name, product.c.short_description, product.c.long_description)
    ):
        lines = [*texts, *parts[product_id]]
        yield product_id, '\n'.join(line for line in lines if line).lower()


def upgrade():
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))

    conn = op.get_bind()
    rows = [{'product_id': id_, 'text': text} for id_, text in _search_texts(conn)]
    if rows:
        conn.execute(
            product.update()
            .where(product.c.id == sa.bindparam('product_id'))
            .values(search_text=sa.bindparam('text')),
            rows,
        )

    if conn.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_product_search_text_trgm', 'product', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    # pg_trgm stays: other things may use it, and it holds no data.
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_product_search_text_trgm', table_name='product')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('search_text')
