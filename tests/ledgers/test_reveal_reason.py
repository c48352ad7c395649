"""查看身份证号 from the desk asks why: the reason goes with the request into the audit trail. The reason is optional
for other clients (a request without a body still answers), and checked like any input."""

from tests.conftest import assert_error
from tests.ledgers.conftest import add_casualty, add_house, id_number


def _reveals(scene, entity: str, row_id: int) -> list[dict]:
    audit = scene.county.get(f"/api/v1/audit?entity_type={entity}&entity_id={row_id}").get_json()["items"]
    return [entry for entry in audit if entry["action"] == f"{entity}.reveal_id_number"]


def test_the_reason_given_is_in_the_audit_row(scene):
    person = id_number(31)
    row = add_casualty(scene.api, scene.event_id, id_number=person)
    answer = scene.county.post(f"/api/v1/casualties/{row['id']}/reveal", json={"reason": "  核对救助名单 "})
    assert answer.status_code == 200 and answer.get_json() == {"id_number": person}
    [entry] = _reveals(scene, "casualty", row["id"])
    assert entry["changes"]["reason"] == "核对救助名单"
    assert person not in str(entry)  # the number itself stays masked there

    house = add_house(scene.api, scene.event_id, id_number=id_number(32))
    assert (
        scene.county.post(f"/api/v1/damaged-houses/{house['id']}/reveal", json={"reason": "发放过渡期救助"}).status_code
        == 200
    )
    assert _reveals(scene, "damaged_house", house["id"])[0]["changes"]["reason"] == "发放过渡期救助"


def test_without_a_body_it_still_answers_and_audits_no_reason(scene):
    row = add_casualty(scene.api, scene.event_id, id_number=id_number(33))
    assert scene.county.post(f"/api/v1/casualties/{row['id']}/reveal").get_json() == {"id_number": id_number(33)}
    assert scene.county.post(f"/api/v1/casualties/{row['id']}/reveal", json={}).status_code == 200
    assert [entry["changes"]["reason"] for entry in _reveals(scene, "casualty", row["id"])] == ["", ""]


def test_a_bad_reason_is_refused_and_nothing_is_revealed(scene):
    row = add_casualty(scene.api, scene.event_id, id_number=id_number(34))
    url = f"/api/v1/casualties/{row['id']}/reveal"
    too_long = scene.county.post(url, json={"reason": "长" * 501})
    assert_error(too_long, 422, "validation_error")
    assert too_long.get_json()["error"]["details"]["fields"] == {"reason": ["原因不能超过 500 个字"]}
    assert_error(scene.county.post(url, json={"reason": "x", "why": "y"}), 422, "validation_error")
    assert_error(scene.county.post(url, json=["x"]), 400, "bad_request")
    assert_error(scene.town.post(url, json={"reason": "看看"}), 403, "forbidden")
    assert _reveals(scene, "casualty", row["id"]) == []
