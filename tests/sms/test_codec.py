"""The GR1 SMS format against the examples the PWA's codec is tested with (tests/fixtures/sms_examples.json)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from server.damage.indicators import INDICATOR_KEYS
from server.sms import codec, encoding

FIXTURE = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "sms_examples.json").read_text("utf-8"))
EXAMPLES = FIXTURE["examples"]


def whole(sms: list[str]) -> str:
    if len(sms) == 1:
        return sms[0]
    parts = sorted((codec.read_part(text) for text in sms), key=lambda part: part.index)
    return codec.join([part.chunk for part in parts])


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_encodes_as_the_fixture_says(example):
    sms = codec.encode(key=example["key"], **example["item"])
    assert sms == example["sms"]
    assert all(len(text) <= codec.SMS_LENGTH and text.isascii() and text.isprintable() for text in sms)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_decodes_as_the_fixture_says(example):
    parts = list(example["sms"])
    random.Random(7).shuffle(parts)  # parts arrive in any order
    message = codec.decode(whole(parts))
    assert message.as_dict() == example["decoded"]
    assert encoding.mac_valid(example["key"], message.signed, message.mac)
    assert not encoding.mac_valid(example["key"] + "x", message.signed, message.mac)
    # A phone or gateway that changes the case or the spacing changes nothing.
    messy = "  " + whole(example["sms"]).lower().replace(" ", "   ") + "\n"
    assert codec.decode(messy).as_dict() == example["decoded"]


@pytest.mark.parametrize("example", FIXTURE["no_sms_form"], ids=[e["name"] for e in FIXTURE["no_sms_form"]])
def test_free_text_has_no_sms_form(example):
    with pytest.raises(codec.NoSmsForm):
        codec.encode(
            key="k",
            kind=example["kind"],
            client_id="00000000-0000-4000-8000-000000000001",
            context_id=1,
            unit_id=1,
            minute=1,
            body=example["body"],
        )


@pytest.mark.parametrize("text", FIXTURE["malformed"])
def test_malformed_is_refused(text):
    with pytest.raises(codec.Malformed):
        if codec.read_part(text) is None:
            codec.decode(text)


def test_the_fixture_covers_every_indicator_in_the_servers_order():
    """The PWA's list of indicators (pwa/src/sms/codec.js) is kept equal through the example with every figure."""
    full = next(e for e in EXAMPLES if set(e["item"]["body"]["figures"]) == set(INDICATOR_KEYS))
    assert list(full["decoded"]["body"]["figures"]) == list(INDICATOR_KEYS)
    assert len(full["sms"]) > 1


def test_the_codes_are_the_servers_lists_in_their_order():
    """The positions the format uses (tests/fixtures/sms_examples.json "codes", which the PWA's test reads too)."""
    from server.hazards.models import CATEGORIES, RISK_LEVELS

    assert FIXTURE["codes"] == {
        "indicators": list(INDICATOR_KEYS),
        "categories": list(CATEGORIES),
        "risks": list(RISK_LEVELS),
    }
    assert tuple(CATEGORIES) == codec.CATEGORY_CODES and tuple(RISK_LEVELS) == codec.RISK_CODES


def test_a_uuid_goes_and_comes_back_whole():
    for _ in range(200):
        client_id = str(__import__("uuid").uuid4())
        sms = codec.encode(key="k", kind="ack", client_id=client_id, context_id=1, unit_id=1, minute=1, body={})
        assert codec.decode(sms[0]).client_id == client_id
