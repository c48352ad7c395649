"""ID numbers (公民身份号码): GB 11643 check digit; masked in every response, export, audit row and log line; the
full number only to a county reviewer who asks, and that request is in the audit trail."""

from __future__ import annotations

import io
import logging

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.ledgers import idnumber
from server.ledgers.models import Casualty
from tests.conftest import assert_error
from tests.ledgers.conftest import EXAMPLE_ID, add_casualty, add_house, casualty_payload, id_number


@pytest.mark.parametrize(
    "value,problem",
    [
        (EXAMPLE_ID, None),
        ("11010519491231002x", None),  # lower-case x is taken as X
        ("110105194912310021", "校验码"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100", "18 位"),
        ("11010519491231002Y", "18 位"),
    ],
)
def test_gb_11643_check_digit_and_birth_date(value, problem):
    found = idnumber.problem(idnumber.normalize(value))
    assert found is None if problem is None else problem in found


def test_a_wrong_check_digit_is_refused_without_echoing_the_number(scene):
    wrong = id_number(3)[:17] + ("0" if id_number(3)[17] != "0" else "1")
    response = scene.api.post(f"/api/v1/events/{scene.event_id}/casualties", json=casualty_payload(id_number=wrong))
    error = assert_error(response, 422, "validation_error")
    assert "校验码" in error["details"]["fields"]["id_number"][0]
    assert wrong not in response.get_data(as_text=True)


def test_no_response_export_audit_row_or_log_line_holds_a_full_number(scene, app, caplog):
    """Done when: no API response, export or log line contains a full ID number unless a county reviewer asked
    for it, and that request is in the audit."""
    caplog.set_level(logging.DEBUG)
    person, household = id_number(11), id_number(12)
    responses = []
    row = add_casualty(scene.api, scene.event_id, id_number=person, kind="missing")
    house = add_house(scene.api, scene.event_id, id_number=household)
    base = f"/api/v1/events/{scene.event_id}"
    responses += [
        scene.api.patch(f"/api/v1/casualties/{row['id']}", json={"found_alive": True}),
        scene.api.patch(f"/api/v1/damaged-houses/{house['id']}", json={"id_number": household.lower()}),
        scene.town.post(f"/api/v1/casualties/{row['id']}/review", json={"decision": "approve"}),
        scene.api.post(f"{base}/casualties", json=casualty_payload(id_number=person)),  # the 409 duplicate
    ]
    for api in (scene.api, scene.town, scene.county):
        responses += [
            api.get(f"{base}/casualties"),
            api.get(f"{base}/damaged-houses"),
            api.get(f"/api/v1/casualties/{row['id']}"),
            api.get(f"/api/v1/damaged-houses/{house['id']}"),
            api.get(f"{base}/rollup"),
        ]
    for api in (scene.town, scene.county):
        responses.append(api.get("/api/v1/audit?per_page=200"))
    texts = [response.get_data(as_text=True) for response in responses]
    for api in (scene.api, scene.town, scene.county):
        for path in ("casualties.xlsx", "damaged-houses.xlsx"):
            response = api.get(f"{base}/{path}")
            assert response.status_code == 200
            sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
            texts.append(" ".join(str(cell) for line in sheet.iter_rows(values_only=True) for cell in line))
    # a statement that fails, logged as the error handlers log it: PostgreSQL's own text quotes the failing row
    with app.app_context():
        try:
            db.session.execute(sa.insert(Casualty).values(client_id="x", id_number=person, event_id=999))
        except IntegrityError:
            logging.getLogger("server.errors").exception("unhandled error request_id=%s", "test")
            logging.getLogger("server.errors").error("database unavailable: %s", f"row ({person})")
        db.session.rollback()
    assert "unhandled error" in caplog.text and "IntegrityError" in caplog.text
    assert idnumber.mask(person) in caplog.text  # the row was quoted, masked

    for text in [*texts, caplog.text]:
        assert person not in text and household not in text
    assert idnumber.mask(person) in texts[4]  # the masked form is there: the check above could fail

    # the county reviewer asks, gets the number, and the request is audited (masked there too)
    revealed = scene.county.post(f"/api/v1/casualties/{row['id']}/reveal")
    assert revealed.status_code == 200 and revealed.get_json() == {"id_number": person}
    audit = scene.county.get(f"/api/v1/audit?entity_type=casualty&entity_id={row['id']}").get_json()["items"]
    assert audit[0]["action"] == "casualty.reveal_id_number"
    assert audit[0]["actor"]["id"] == scene.county_reviewer.id
    assert person not in str(audit)
    assert person not in caplog.text


def test_only_a_county_reviewer_may_see_a_full_number(scene, make_user, login_as):
    row = add_casualty(scene.api, scene.event_id, id_number=id_number(21))
    house = add_house(scene.api, scene.event_id, id_number=id_number(22))
    for api in (scene.api, scene.town, login_as(make_user("viewer", scene.tree.county))):
        assert_error(api.post(f"/api/v1/casualties/{row['id']}/reveal"), 403, "forbidden")
    assert_error(scene.town.get(f"/api/v1/events/{scene.event_id}/casualties.xlsx?reveal=true"), 403, "forbidden")
    assert scene.county.post(f"/api/v1/damaged-houses/{house['id']}/reveal").get_json() == {"id_number": id_number(22)}
    # nothing revealed, nothing audited
    actions = [e["action"] for e in scene.county.get("/api/v1/audit?per_page=200").get_json()["items"]]
    assert actions.count("casualty.reveal_id_number") == 0
    assert actions.count("damaged_house.reveal_id_number") == 1
