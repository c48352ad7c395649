"""township sign-offs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

import server.types  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
