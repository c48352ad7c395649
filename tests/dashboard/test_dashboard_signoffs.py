"""The desk's sign-off items on the dashboard: the caller's own current sign-off (乡镇上报, 县级上报) of each live
event, with its status and the reason of a return, and how many sign-offs of the units right below wait for this
level."""

from datetime import timedelta

from server import clock
from tests.rollup.factories import T0, file_report, make_event


def _event_item(api, event_id: int) -> dict:
    response = api.get("/api/v1/dashboard")
    assert response.status_code == 200, response.get_json()
    return next(item for item in response.get_json()["events"] if item["event"]["id"] == event_id)


def test_the_desk_knows_its_own_signoff_and_the_signoffs_it_reviews(tree, make_user, login_as):
    county_reviewer = make_user("reviewer", tree.county)
    flood = make_event(tree.county, county_reviewer)
    file_report(flood, tree.village_a1, county_reviewer, stage="initial", at=T0 + timedelta(minutes=20))
    clock.set_now(T0 + timedelta(minutes=40))
    town, county = login_as(make_user("reviewer", tree.town_a)), login_as(county_reviewer)

    assert _event_item(town, flood.id)["own_signoff"] is None
    assert _event_item(county, flood.id)["signoffs_to_review"] == 0
    signed = town.post(f"/api/v1/events/{flood.id}/signoffs", json={"org_unit_id": tree.town_a.id, "note": "初报"})
    assert signed.status_code == 201, signed.get_json()

    own = _event_item(town, flood.id)["own_signoff"]
    assert (own["id"], own["status"], own["status_name"]) == (signed.get_json()["id"], "submitted", "待上级审核")
    assert _event_item(county, flood.id)["signoffs_to_review"] == 1
    assert _event_item(county, flood.id)["own_signoff"] is None  # the county has not signed its own

    returned = county.post(
        f"/api/v1/signoffs/{signed.get_json()['id']}/review", json={"decision": "return", "comment": "甲二村未报"}
    )
    assert returned.status_code == 200, returned.get_json()
    own = _event_item(town, flood.id)["own_signoff"]
    assert (own["status"], own["review_comment"]) == ("returned", "甲二村未报")
    assert _event_item(county, flood.id)["signoffs_to_review"] == 0


def test_a_village_has_no_signoff_of_its_own(tree, make_user, login_as):
    reviewer = make_user("reviewer", tree.county)
    flood = make_event(tree.county, reviewer)
    item = _event_item(login_as(make_user("reporter", tree.village_a1)), flood.id)
    assert item["own_signoff"] is None and item["signoffs_to_review"] == 0
