"""ledgers: one row per ID number and event among the rows that count (partial unique indexes)

The duplicate check was a SELECT before the INSERT: 16 concurrent posts of one ID number registered the person 6-8
times (issue 19). ``uq_casualties_event_id_number`` and ``uq_damaged_houses_event_id_number`` hold (event_id,
id_number) unique over the rows that count: an ID number given, the row not returned, and (casualties) the person
not found alive.

Rows already registered twice are resolved first: the earliest row of each ID number keeps counting, every later one
is returned to its village with a comment saying why (a returned row stops counting, and the reporter sees the
reason), as a reviewer would have done.

Revision ID: 0040
Revises: 0031
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0031"
branch_labels = None
depends_on = None

HELD = {
    "casualties": "id_number <> '' AND review_status <> 'returned' AND NOT found_alive",
    "damaged_houses": "id_number <> '' AND review_status <> 'returned'",
}
HELD_BY_EARLIER = {
    "casualties": "earlier.id_number <> '' AND earlier.review_status <> 'returned' AND NOT earlier.found_alive",
    "damaged_houses": "earlier.id_number <> '' AND earlier.review_status <> 'returned'",
}
COMMENT = "同一身份证号码已在本次灾害过程的台账中登记（编号较早的一条），此条重复，已由系统退回"


def upgrade():
    for table, condition in HELD.items():
        op.execute(
            sa.text(
                f"UPDATE {table} SET review_status = 'returned', review_comment = :comment, version = version + 1 "
                f"WHERE {condition} AND EXISTS (SELECT 1 FROM {table} AS earlier "
                f"WHERE earlier.event_id = {table}.event_id AND earlier.id_number = {table}.id_number "
                f"AND earlier.id < {table}.id AND {HELD_BY_EARLIER[table]})"
            ).bindparams(comment=COMMENT)
        )
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(
                f"uq_{table}_event_id_number",
                ["event_id", "id_number"],
                unique=True,
                sqlite_where=sa.text(condition),
                postgresql_where=sa.text(condition),
            )


def downgrade():
    for table, condition in HELD.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(
                f"uq_{table}_event_id_number", sqlite_where=sa.text(condition), postgresql_where=sa.text(condition)
            )
