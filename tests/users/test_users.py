"""Users: admins manage users inside their scope, never above or beside it, never raising themselves."""

from tests.conftest import PASSWORD, assert_error


def new_user(unit, role="reporter", username="new_reporter"):
    return {"username": username, "name": "新信息员", "phone": "13800000000", "role": role, "org_unit_id": unit.id,
            "password": "a-good-password"}  # fmt: skip


def test_admin_creates_a_user_in_scope_who_can_log_in(client, login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.town_a))
    response = admin.post("/api/v1/users", json=new_user(tree.village_a1))
    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "new_reporter" and body["org_unit"]["id"] == tree.village_a1.id
    assert "password" not in body and "password_hash" not in body
    login = client.post("/api/v1/auth/login", json={"username": "new_reporter", "password": "a-good-password"})
    assert login.status_code == 200


def test_admin_cannot_create_above_or_beside_its_scope(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.town_a))
    assert_error(admin.post("/api/v1/users", json=new_user(tree.county)), 404, "not_found")
    assert_error(admin.post("/api/v1/users", json=new_user(tree.village_b1)), 404, "not_found")


def test_duplicate_username_is_409(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.county))
    assert admin.post("/api/v1/users", json=new_user(tree.village_a1)).status_code == 201
    assert_error(admin.post("/api/v1/users", json=new_user(tree.village_a2)), 409, "username_taken")


def test_a_create_that_missed_the_taken_username_loses_at_the_unique_key_with_the_same_answer(
    login_as, make_user, tree, monkeypatch
):
    """Two admins creating one username at once: the unique username_key decides, the loser gets the same 409."""
    from server.users import service

    admin = login_as(make_user("admin", tree.county))
    assert admin.post("/api/v1/users", json=new_user(tree.village_a1)).status_code == 201
    monkeypatch.setattr(service, "username_key", lambda raw: "(not committed yet)")  # the check finds nobody
    error = assert_error(admin.post("/api/v1/users", json=new_user(tree.village_a2)), 409, "username_taken")
    assert error["details"]["fields"]["username"]
    monkeypatch.undo()
    listed = admin.get("/api/v1/users?per_page=200").get_json()["items"]
    assert sum(u["username"] == new_user(tree.village_a1)["username"] for u in listed) == 1
    audit = admin.get("/api/v1/audit?entity_type=user&per_page=200").get_json()["items"]
    assert sum(entry["action"] == "user.create" for entry in audit) == 1


def test_create_validates_fields(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.county))
    body = {**new_user(tree.village_a1), "role": "boss", "password": "short", "username": "no spaces!"}
    error = assert_error(admin.post("/api/v1/users", json=body), 422, "validation_error")
    assert {"role", "password", "username"} <= set(error["details"]["fields"])


def test_non_admins_cannot_manage_users(login_as, make_user, tree):
    for role in ("reporter", "reviewer", "viewer"):
        api = login_as(make_user(role, tree.county))
        assert_error(api.get("/api/v1/users"), 403, "forbidden")
        assert_error(api.post("/api/v1/users", json=new_user(tree.village_a1, username=f"x_{role}")), 403, "forbidden")


def test_admin_lists_only_users_in_scope(login_as, make_user, tree):
    inside = make_user("reporter", tree.village_a1)
    outside = make_user("reporter", tree.village_b1)
    admin_user = make_user("admin", tree.town_a)
    ids = {u["id"] for u in login_as(admin_user).get("/api/v1/users").get_json()["items"]}
    assert inside.id in ids and admin_user.id in ids and outside.id not in ids


def test_admin_updates_a_user_and_the_change_is_audited(login_as, make_user, tree):
    target = make_user("reporter", tree.village_a1)
    admin = login_as(make_user("admin", tree.town_a))
    response = admin.patch(f"/api/v1/users/{target.id}", json={"role": "viewer", "org_unit_id": tree.village_a2.id})
    assert response.status_code == 200
    assert response.get_json()["role"] == "viewer"
    audit = admin.get(f"/api/v1/audit?entity_type=user&entity_id={target.id}").get_json()["items"]
    update = next(e for e in audit if e["action"] == "user.update")
    assert update["changes"]["role"] == ["reporter", "viewer"]
    assert update["changes"]["org_unit_id"] == [tree.village_a1.id, tree.village_a2.id]


def test_admin_cannot_move_a_user_outside_its_scope_or_touch_users_outside(login_as, make_user, tree):
    target = make_user("reporter", tree.village_a1)
    outsider = make_user("reporter", tree.village_b1)
    admin = login_as(make_user("admin", tree.town_a))
    assert_error(admin.patch(f"/api/v1/users/{target.id}", json={"org_unit_id": tree.county.id}), 404, "not_found")
    assert_error(admin.patch(f"/api/v1/users/{outsider.id}", json={"name": "x"}), 404, "not_found")
    assert_error(admin.get(f"/api/v1/users/{outsider.id}"), 404, "not_found")


def test_admin_cannot_change_its_own_role_unit_or_active_flag(login_as, make_user, tree):
    me = make_user("admin", tree.town_a)
    api = login_as(me)
    for change in ({"role": "reviewer"}, {"org_unit_id": tree.village_a1.id}, {"active": False}):
        assert_error(api.patch(f"/api/v1/users/{me.id}", json=change), 403, "forbidden")
    assert api.patch(f"/api/v1/users/{me.id}", json={"phone": "139"}).status_code == 200


def test_patch_rejects_unknown_fields(login_as, make_user, tree):
    target = make_user("reporter", tree.village_a1)
    admin = login_as(make_user("admin", tree.county))
    error = assert_error(
        admin.patch(f"/api/v1/users/{target.id}", json={"username": "renamed"}), 422, "validation_error"
    )
    assert "username" in error["details"]["fields"]


def test_cli_creates_a_user(app, make_unit):
    unit = make_unit("county", code="361130", name="婺源县")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "duty", "--role", "reviewer", "--org", unit.code, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "created user duty" in result.output
    result = runner.invoke(
        args=["users", "create", "duty2", "--role", "reviewer", "--org", "999", "--password", PASSWORD]
    )
    assert result.exit_code != 0 and "no org unit" in result.output
    result = runner.invoke(
        args=["users", "create", "duty", "--role", "reviewer", "--org", unit.code, "--password", PASSWORD]
    )
    assert result.exit_code != 0 and "已存在" in result.output
