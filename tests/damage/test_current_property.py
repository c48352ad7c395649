"""Property: whatever sequence of reports, approvals and returns hits a few villages, each village's current report
is its newest non-returned one, there is at most one, and the stage rules accept exactly what a model accepts."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.damage.models import DamageReport
from server.damage.review import review_report
from server.damage.service import create_report, current_report_for
from server.errors import Conflict
from server.events.service import create_event
from server.extensions import db
from server.users.models import User

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["initial", "update", "final", "approve", "return"]),
        st.integers(min_value=0, max_value=2),  # which village
        st.integers(min_value=0, max_value=30),  # affected population
    ),
    max_size=14,
)


def expected_outcome(history: list[dict], stage: str) -> bool:
    """The model of the stage rules: history is the village's reports in order, as dicts with stage/status."""
    live = [r for r in history if r["status"] != "returned"]
    stages = {r["stage"] for r in live}
    if "final" in stages:
        return False
    if stage == "initial":
        return "initial" not in stages
    return "initial" in stages


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_current_report_is_the_newest_non_returned(app, tree, make_user, steps):
    villages = [tree.village_a1, tree.village_a2, tree.village_b1]
    reporter_ids = [make_user("reporter", tree.county).id]
    reviewer_id = make_user("reviewer", tree.county).id
    with app.app_context():
        reporter, reviewer = db.session.get(User, reporter_ids[0]), db.session.get(User, reviewer_id)
        event = create_event(actor=reviewer, name="性质测试", disaster_type="台风", org_unit_id=tree.county.id)
        model: dict[int, list[dict]] = {v.id: [] for v in villages}
        try:
            for action, index, affected in steps:
                village = villages[index]
                history = model[village.id]
                if action in ("initial", "update", "final"):
                    ok = expected_outcome(history, action)
                    try:
                        report, created = create_report(
                            actor=reporter,
                            event_id=event.id,
                            client_id=uuid.uuid4(),
                            org_unit_id=village.id,
                            stage=action,
                            figures={"affected_population": affected},
                            change_note="核实",
                        )
                    except Conflict:
                        assert not ok, (action, history)
                        continue
                    assert ok and created, (action, history)
                    history.append({"id": report.row.id, "stage": action, "status": "submitted"})
                else:
                    live = [r for r in history if r["status"] != "returned"]
                    target = live[-1] if live else None
                    if target is None or target["status"] != "submitted":
                        continue
                    review_report(actor=reviewer, report_id=target["id"], decision=action, comment="退回原因")
                    target["status"] = "approved" if action == "approve" else "returned"

                for v in villages:
                    live = [r for r in model[v.id] if r["status"] != "returned"]
                    current = current_report_for(event.id, v.id)
                    assert (current.id if current else None) == (live[-1]["id"] if live else None)
                    flagged = db.session.scalars(
                        select(DamageReport.id).where(
                            DamageReport.event_id == event.id,
                            DamageReport.org_unit_id == v.id,
                            DamageReport.current.is_(True),
                        )
                    ).all()
                    assert len(flagged) <= 1
        finally:
            db.session.rollback()
            db.session.remove()
