"""usernames unique up to case, width and surrounding spaces

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Adds ``users.username_key`` (NFKC, case-folded, stripped) with a unique constraint. Existing users whose names
clash under that rule are never merged or renamed silently: the upgrade stops and names them, and an operator
renames all but one (``UPDATE users SET username = ...``) before running it again.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key(username: str) -> str:
    # Frozen copy of server.users.models.username_key: a migration must not change when the app code does.
    normalized = unicodedata.normalize("NFKC", username).strip()
    return unicodedata.normalize("NFKC", normalized.casefold())


def upgrade():
    conn = op.get_bind()
    users = conn.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    by_key: dict[str, list[str]] = {}
    for _id, username in users:
        by_key.setdefault(_key(username), []).append(username)
    clashes = {key: names for key, names in by_key.items() if len(names) > 1}
    if clashes:
        listed = "; ".join(" / ".join(repr(n) for n in names) for names in clashes.values())
        raise RuntimeError(
            "usernames that differ only in case, full-width letters or surrounding spaces must be renamed "
            f"before this upgrade (they would log in as each other): {listed}"
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(length=64), nullable=True))
    table = sa.table("users", sa.column("id", sa.Integer), sa.column("username_key", sa.String))
    for user_id, username in users:
        conn.execute(table.update().where(table.c.id == user_id).values(username_key=_key(username)))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_username_key"), ["username_key"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_username_key"), type_="unique")
        batch_op.drop_column("username_key")
