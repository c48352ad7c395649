"""Reading org units within scope."""

from tests.conftest import assert_error, missing_once


def test_reporter_of_one_village_gets_404_for_another_village(login_as, make_user, tree):
    api = login_as(make_user("reporter", tree.village_a1))
    assert api.get(f"/api/v1/org-units/{tree.village_a1.id}").status_code == 200
    assert_error(api.get(f"/api/v1/org-units/{tree.village_a2.id}"), 404, "not_found")
    assert_error(api.get(f"/api/v1/org-units/{tree.town_a.id}"), 404, "not_found")
    assert_error(api.get("/api/v1/org-units/999999"), 404, "not_found")


def test_township_reviewer_sees_its_own_villages_only(login_as, make_user, tree):
    api = login_as(make_user("reviewer", tree.town_a))
    body = api.get("/api/v1/org-units?level=village").get_json()
    assert {u["id"] for u in body["items"]} == {tree.village_a1.id, tree.village_a2.id}
    assert body["total"] == 2 and body["page"] == 1
    assert_error(api.get(f"/api/v1/org-units/{tree.village_b1.id}"), 404, "not_found")


def test_county_viewer_lists_children_by_parent_and_searches(login_as, make_user, tree):
    api = login_as(make_user("viewer", tree.county))
    children = api.get(f"/api/v1/org-units?parent_id={tree.county.id}").get_json()["items"]
    assert [u["name"] for u in children] == ["甲镇", "乙乡"]
    found = api.get("/api/v1/org-units?q=乙一").get_json()["items"]
    assert [u["id"] for u in found] == [tree.village_b1.id]
    found = api.get(f"/api/v1/org-units?q={tree.village_b2.code}").get_json()["items"]
    assert [u["id"] for u in found] == [tree.village_b2.id]


def test_unit_shape(login_as, make_user, tree):
    api = login_as(make_user("viewer", tree.county))
    unit = api.get(f"/api/v1/org-units/{tree.village_a1.id}").get_json()
    assert unit["code"] == tree.village_a1.code and unit["level"] == "village"
    assert unit["parent_id"] == tree.town_a.id and unit["name"] == "甲一村"


def test_paging_limits(login_as, make_user, tree):
    api = login_as(make_user("viewer", tree.county))
    body = api.get("/api/v1/org-units?per_page=3&page=2").get_json()
    assert body["per_page"] == 3 and body["page"] == 2 and len(body["items"]) == 3 and body["total"] == 8
    error = assert_error(api.get("/api/v1/org-units?per_page=500"), 422, "validation_error")
    assert "per_page" in error["details"]["fields"]
    assert_error(api.get("/api/v1/org-units?level=planet"), 422, "validation_error")


def test_village_admin_adds_grids_to_its_village(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.village_a2))
    body = {
        "code": tree.village_a2.code + "001",
        "name": "甲二村第一网格",
        "level": "grid",
        "parent_id": tree.village_a2.id,
    }
    response = admin.post("/api/v1/org-units", json=body)
    assert response.status_code == 201
    grid = response.get_json()
    assert grid["path"] == f"{tree.village_a2.path}{body['code']}/" and grid["parent_id"] == tree.village_a2.id
    assert_error(admin.post("/api/v1/org-units", json=body), 409, "duplicate")
    audit = admin.get(f"/api/v1/audit?entity_type=org_unit&entity_id={grid['id']}").get_json()["items"]
    assert audit[0]["action"] == "org_unit.create"


def test_a_create_that_missed_the_taken_code_loses_at_the_unique_key_with_the_same_answer(
    login_as, make_user, tree, monkeypatch
):
    """Two admins adding one code at once: the unique code decides, the loser gets the same 409."""
    from server.orgunits import service

    admin = login_as(make_user("admin", tree.village_a2))
    body = {
        "code": tree.village_a2.code + "002",
        "name": "甲二村第二网格",
        "level": "grid",
        "parent_id": tree.village_a2.id,
    }
    assert admin.post("/api/v1/org-units", json=body).status_code == 201
    before = assert_error(admin.post("/api/v1/org-units", json=body), 409, "duplicate")
    calls = missing_once(monkeypatch, service, "get_by_code")
    lost = assert_error(admin.post("/api/v1/org-units", json={**body, "name": "另一个"}), 409, "duplicate")
    assert calls["n"] == 1 and (lost["message"], lost["details"]) == (before["message"], before["details"])
    monkeypatch.undo()
    grids = admin.get(f"/api/v1/org-units?parent_id={tree.village_a2.id}").get_json()["items"]
    assert [unit["name"] for unit in grids if unit["code"] == body["code"]] == ["甲二村第二网格"]


def test_unit_creation_rules(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.town_a))
    wrong_prefix = {"code": "999999999999", "name": "x", "level": "village", "parent_id": tree.town_a.id}
    assert (
        "code"
        in assert_error(admin.post("/api/v1/org-units", json=wrong_prefix), 422, "validation_error")["details"][
            "fields"
        ]
    )
    too_high = {"code": tree.town_a.code + "1", "name": "x", "level": "county", "parent_id": tree.town_a.id}
    assert (
        "level"
        in assert_error(admin.post("/api/v1/org-units", json=too_high), 422, "validation_error")["details"]["fields"]
    )
    beside = {"code": tree.town_b.code + "009", "name": "x", "level": "village", "parent_id": tree.town_b.id}
    assert_error(admin.post("/api/v1/org-units", json=beside), 404, "not_found")


def test_admin_renames_units_below_it_but_not_its_own(login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.town_a))
    response = admin.patch(f"/api/v1/org-units/{tree.village_a1.id}", json={"name": "甲一社区"})
    assert response.status_code == 200 and response.get_json()["name"] == "甲一社区"
    assert_error(admin.patch(f"/api/v1/org-units/{tree.town_a.id}", json={"name": "x"}), 403, "forbidden")
    assert_error(admin.patch(f"/api/v1/org-units/{tree.village_b1.id}", json={"name": "x"}), 404, "not_found")
