"""Property: for any sequence of reports, updates and returns across villages, the roll-up at every node equals the
sum over its villages of each village's newest non-returned report, computed independently here in Python."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.damage.indicators import indicators_for
from server.rollup.service import compute_rollup
from tests.rollup.factories import T0, file_report, in_db, make_event, return_report

INDICATORS = indicators_for("洪涝")  # the indicators of the flood events these tests report on

WHOLE = st.integers(min_value=0, max_value=100_000)
AMOUNT = st.integers(min_value=0, max_value=10**9).map(lambda cents: Decimal(cents) / 100)
FIGURES = st.fixed_dictionaries(
    {},
    optional={i.key: (AMOUNT if i.decimal else WHOLE) for i in INDICATORS},
)
OPERATION = st.one_of(
    st.tuples(st.just("report"), st.integers(0, 3), FIGURES, st.sampled_from(["initial", "update", "final"])),
    st.tuples(st.just("return"), st.integers(0, 50)),
)


def expected_figures(reports_by_village, villages):
    totals = {i.key: Decimal(0) if i.decimal else 0 for i in INDICATORS}
    reported = zero = 0
    for village in villages:
        alive = [r for r in reports_by_village.get(village.id, []) if not r["returned"]]
        if not alive:
            continue
        newest = alive[-1]["figures"]  # appended in submission order
        reported += 1
        zero += all(not newest.get(i.key) for i in INDICATORS)
        for i in INDICATORS:
            totals[i.key] += newest.get(i.key, 0)
    figures = {k: f"{v:.2f}" if isinstance(v, Decimal) else v for k, v in totals.items()}
    figures["transitional_aid"] = 0  # the housing ledger's sum; these villages keep no ledger
    return figures, reported, zero


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, max_size=14))
def test_rollup_equals_the_sum_of_each_villages_newest_non_returned_report(tree, make_user, operations):
    user = _reviewer(tree, make_user)
    event = make_event(tree.county, user)  # a fresh event per example: earlier examples' reports do not count
    model: dict[int, list[dict]] = {}
    filed = []  # (report, model entry) in submission order
    for step, operation in enumerate(operations):
        if operation[0] == "report":
            _, index, figures, stage = operation
            village = tree.villages[index]
            report = file_report(event, village, user, stage=stage, at=T0 + timedelta(seconds=step), **figures)
            entry = {"figures": figures, "returned": False}
            model.setdefault(village.id, []).append(entry)
            filed.append((report, entry))
        else:
            alive = [pair for pair in filed if not pair[1]["returned"]]
            if alive:
                report, entry = alive[operation[1] % len(alive)]
                return_report(report)
                entry["returned"] = True

    nodes = [tree.county, tree.town_a, tree.town_b, *tree.villages]
    members = {
        tree.county.id: tree.villages,
        tree.town_a.id: [tree.village_a1, tree.village_a2],
        tree.town_b.id: [tree.village_b1, tree.village_b2],
        **{v.id: [v] for v in tree.villages},
    }

    def check(session):
        from server.events.models import Event
        from server.orgunits.models import OrgUnit

        live_event = session.get(Event, event.id)
        for node in nodes:
            result = compute_rollup(event=live_event, node=session.get(OrgUnit, node.id))
            figures, reported, zero = expected_figures(model, members[node.id])
            assert result["figures"] == figures, node.name
            assert result["reporting"]["reported"] == reported and result["reporting"]["zero"] == zero
            assert result["reporting"]["missing"] == len(members[node.id]) - reported
            for child in result["children"]:
                child_figures, _, _ = expected_figures(model, members[child["org_unit"]["id"]])
                assert child["figures"] == child_figures

    in_db(check)


# Keyed by the county's code: unique in a test session (ids restart when the tables are emptied).
_reviewers: dict[str, object] = {}


def _reviewer(tree, make_user):
    # One user per tree: hypothesis reuses the function's fixtures across examples.
    if tree.county.code not in _reviewers:
        _reviewers[tree.county.code] = make_user("reviewer", tree.county)
    return _reviewers[tree.county.code]


@st.composite
def valid_figures(draw):
    """Figures that pass every rule of PRODUCT.md, so the damage service accepts them."""
    affected = draw(st.integers(0, 5000))
    figures = {"affected_population": affected}
    for key in ("deaths", "missing", "injured", "needing_aid"):
        figures[key] = draw(st.integers(0, affected))
    centralized = draw(st.integers(0, affected))
    dispersed = draw(st.integers(0, affected - centralized))
    figures.update(relocated=centralized + dispersed, relocated_centralized=centralized, relocated_dispersed=dispersed)
    for cls in ("collapsed", "severe", "general"):
        households = draw(st.integers(0, 50))
        figures[f"houses_{cls}_households"] = households
        figures[f"houses_{cls}_rooms"] = households + draw(st.integers(0, 50))
    crops = sorted(draw(st.lists(st.integers(0, 10**7), min_size=3, max_size=3)), reverse=True)
    for key, cents in zip(("crops_affected_ha", "crops_damaged_ha", "crops_lost_ha"), crops, strict=True):
        figures[key] = Decimal(cents) / 100
    figures["direct_loss_10k_yuan"] = Decimal(draw(st.integers(0, 10**9))) / 100
    return figures


SERVICE_OPERATION = st.one_of(
    st.tuples(st.just("report"), st.integers(0, 3), valid_figures(), st.sampled_from(["initial", "update", "final"])),
    st.tuples(st.sampled_from(["return", "approve"]), st.integers(0, 3)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(SERVICE_OPERATION, max_size=12))
def test_rollup_through_the_damage_service(tree, make_user, operations):
    """The same property with reports filed and reviewed by the damage service itself (its stage rules decide
    what is accepted; the model follows only what was accepted)."""
    import uuid

    from server.damage.review import review_report
    from server.damage.service import create_report
    from server.errors import Conflict, Invalid
    from server.users.models import User

    reporter, reviewer = _service_users(tree, make_user)
    event = make_event(tree.county, reviewer)
    model: dict[int, list[dict]] = {}

    def run(session):
        actor_reporter, actor_reviewer = session.get(User, reporter.id), session.get(User, reviewer.id)
        for operation in operations:
            village = tree.villages[operation[1]]
            try:
                if operation[0] == "report":
                    _, _, figures, stage = operation
                    report, _ = create_report(
                        actor=actor_reporter,
                        event_id=event.id,
                        client_id=uuid.uuid4(),
                        stage=stage,
                        figures=figures,
                        org_unit_id=village.id,
                        change_note="核实更正",
                    )
                    session.commit()
                    model.setdefault(village.id, []).append(
                        {"figures": figures, "returned": False, "id": report.row.id}
                    )
                else:
                    alive = [r for r in model.get(village.id, []) if not r["returned"]]
                    if not alive:
                        continue
                    decision = operation[0]
                    review_report(actor=actor_reviewer, report_id=alive[-1]["id"], decision=decision, comment="核实")
                    session.commit()
                    alive[-1]["returned"] = decision == "return"
            except (Conflict, Invalid):
                session.rollback()  # refused by the service's rules: not in the model either

    in_db(run)
    members = {
        tree.county.id: tree.villages,
        tree.town_a.id: [tree.village_a1, tree.village_a2],
        tree.town_b.id: [tree.village_b1, tree.village_b2],
        **{v.id: [v] for v in tree.villages},
    }

    def check(session):
        from server.events.models import Event
        from server.orgunits.models import OrgUnit

        live_event = session.get(Event, event.id)
        for node_id, villages in members.items():
            result = compute_rollup(event=live_event, node=session.get(OrgUnit, node_id))
            figures, reported, zero = expected_figures(model, villages)
            assert result["figures"] == figures
            assert (result["reporting"]["reported"], result["reporting"]["zero"]) == (reported, zero)

    in_db(check)


_service_actors: dict[str, tuple] = {}


def _service_users(tree, make_user):
    if tree.county.code not in _service_actors:
        _service_actors[tree.county.code] = (make_user("reporter", tree.county), make_user("reviewer", tree.county))
    return _service_actors[tree.county.code]
