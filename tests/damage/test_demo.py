"""The demo seeds of events and damage reports build on the foundation's demo county and users."""

from sqlalchemy import select

from server.damage.models import DamageReport
from server.demo import DEMO_PASSWORD, UNITS_CSV, USERS, DemoContext
from server.events.models import Event
from server.extensions import db
from server.orgunits.importer import import_units
from server.orgunits.models import OrgUnit
from server.users.service import create_user


def test_demo_events_and_reports(app, login_as):
    from server.damage import demo as damage_demo
    from server.events import demo as events_demo

    with app.app_context():
        import_units(UNITS_CSV.encode())
        db.session.flush()
        context = DemoContext(units={u.code: u for u in db.session.scalars(select(OrgUnit))})
        for username, role, code, name in USERS:
            context.users[username] = create_user(
                actor=None,
                username=username,
                role=role,
                org_unit=context.units[code],
                password=DEMO_PASSWORD,
                name=name,
            )
        events_demo.seed(context)
        damage_demo.seed(context)
        db.session.commit()

        flood = db.session.scalar(select(Event).where(Event.name == "婺源县6·20洪涝"))
        assert flood.status == "active" and not flood.drill and flood.org_unit.code == "361130"
        assert db.session.scalar(select(Event).where(Event.drill.is_(True))) is not None
        reports = db.session.scalars(
            select(DamageReport).where(DamageReport.event_id == flood.id).order_by(DamageReport.id)
        ).all()
        by_village = {}
        for report in reports:
            by_village.setdefault(report.org_unit.code, []).append(report)
        qiukou = by_village["361130102200"]
        assert [(r.stage, r.status, r.current) for r in qiukou] == [
            ("initial", "approved", False),
            ("update", "submitted", True),
        ]
        assert [(r.status, r.current) for r in by_village["361130102201"]] == [("approved", True)]
        assert by_village["361130102202"][0].is_zero
        likeng = by_village["361130102203"][0]
        assert likeng.status == "returned" and not likeng.current and likeng.review_comment
        db.session.remove()

    # The seeded users log in with the demo password and see their data through the API.
    class Login:
        username = "likeng_reporter"

    api = login_as(Login, password=DEMO_PASSWORD)
    items = api.get("/api/v1/damage-reports?status=returned").get_json()["items"]
    assert [item["review_comment"] for item in items] == ["受灾人口超过全村户籍人口，请核实后重报"]
