"""Reading org units within scope."""

from tests.conftest import assert_error


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
