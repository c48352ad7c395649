"""The audit trail: written with the change, read within scope by reviewers and admins."""

from tests.conftest import assert_error


def test_audit_rows_carry_who_when_and_what_changed(login_as, make_user, tree):
    admin_user = make_user("admin", tree.county, name="县管理员")
    admin = login_as(admin_user)
    created = admin.post(
        "/api/v1/users",
        json={"username": "auditee", "role": "reporter", "org_unit_id": tree.village_a1.id, "password": "pass-word-1"},
    ).get_json()
    entries = admin.get(f"/api/v1/audit?entity_type=user&entity_id={created['id']}").get_json()["items"]
    create = next(e for e in entries if e["action"] == "user.create")
    assert create["actor"]["id"] == admin_user.id and create["actor"]["name"] == "县管理员"
    assert create["changes"]["role"] == [None, "reporter"]
    assert "password" not in create["changes"]
    assert create["at"].endswith("+08:00")  # shown in TIMEZONE like every time of the API


def test_audit_is_scoped(login_as, make_user, tree):
    county_admin = login_as(make_user("admin", tree.county))
    for unit, name in ((tree.village_a1, "in_a"), (tree.village_b1, "in_b")):
        county_admin.post(
            "/api/v1/users",
            json={"username": name, "role": "reporter", "org_unit_id": unit.id, "password": "pass-word-1"},
        )
    reviewer = login_as(make_user("reviewer", tree.town_a))
    actions = reviewer.get("/api/v1/audit?entity_type=user").get_json()["items"]
    assert {e["changes"]["username"][1] for e in actions if e["action"] == "user.create"} == {"in_a"}


def test_reporters_and_viewers_cannot_read_the_audit(login_as, make_user, tree):
    for role in ("reporter", "viewer"):
        assert_error(login_as(make_user(role, tree.county)).get("/api/v1/audit"), 403, "forbidden")


def test_a_failed_change_leaves_no_audit_row(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.county))
    body = {"username": "twice", "role": "reporter", "org_unit_id": tree.village_a1.id, "password": "pass-word-1"}
    admin.post("/api/v1/users", json=body)
    admin.post("/api/v1/users", json=body)  # 409
    entries = admin.get("/api/v1/audit?entity_type=user").get_json()["items"]
    assert sum(1 for e in entries if e["action"] == "user.create") == 1
