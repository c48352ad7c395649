"""hazards and photos

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

import server.types  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
