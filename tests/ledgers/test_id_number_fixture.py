"""The phone checks and masks ID numbers (pwa/src/rules/idNumber.js) exactly as the server does.

Both sides run the cases of pwa/tests/fixtures/id_number_rules.json: Vitest against the phone's rule, this test
against server/ledgers/idnumber.py. A message or the mask changed on one side only fails one of the two suites.
"""

import json
from pathlib import Path

import pytest

from server.ledgers import idnumber

FIXTURE = Path(__file__).resolve().parents[2] / "pwa" / "tests" / "fixtures" / "id_number_rules.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[repr(case["value"]) for case in CASES])
def test_the_server_says_what_the_phone_says(case):
    number = idnumber.normalize(case["value"])
    assert idnumber.problem(number) == case["problem"]
    assert idnumber.mask(number) == case["masked"]


def test_the_fixture_covers_every_message():
    problems = {case["problem"] for case in CASES}
    assert None in problems
    assert any("校验码" in (p or "") for p in problems) and any("出生日期" in (p or "") for p in problems)
    assert any("18 位" in (p or "") for p in problems)
