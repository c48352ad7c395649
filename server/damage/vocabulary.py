"""``GET /indicators``: the vocabulary of damage figures as clients need it to build a form and check it.

Everything here is read from the declarations the server itself uses (``indicators.py`` for the indicators and their
groups, ``figures.py`` for the figure rules and their messages), so the published rules are the rules the server
checks, in its words, and no client keeps a copy of its own that could drift.
"""

from __future__ import annotations

from typing import Any

from server.damage import figures as fig
from server.damage.indicators import GROUPS, INDICATORS, TYPE_SPECIFIC


def _indicator(indicator) -> dict[str, Any]:
    return {
        "key": indicator.key,
        "label": indicator.label,
        "unit": indicator.unit,
        "group": indicator.group,
        "decimal": indicator.decimal,
        "only_for": indicator.only_for,
        # The types whose reports must state it (a missing key is not read as 0 there).
        "required_for": [indicator.only_for] if indicator.only_for else [],
        "hint": indicator.hint,
    }


def vocabulary() -> dict[str, Any]:
    """The indicators in national order, the groups a form shows them under, the figure rules in the order the
    server reports them, and the messages for values that are not figures at all."""
    rules = [rule.published() for rule in fig.RULES]
    rules += [
        {
            "kind": "stated",
            "field": indicator.key,
            "disaster_type": indicator.only_for,
            "message": fig.stated_message(indicator),
        }
        for indicator in TYPE_SPECIFIC
    ]
    rules.append(
        {
            "kind": "decrease",
            "field": "change_note",
            "message": fig.CHANGE_NOTE_MESSAGE,
            "separator": fig.NAME_SEPARATOR,
        }
    )
    return {
        "groups": [{"key": key, "label": label} for key, label in GROUPS],
        "indicators": [_indicator(indicator) for indicator in INDICATORS],
        "rules": rules,
        "values": {
            "whole": {"max": fig.MAX_WHOLE, "messages": dict(fig.WHOLE_MESSAGES)},
            "amount": {
                "max": fig.format_decimal(fig.MAX_DECIMAL),
                "places": 2,
                "messages": dict(fig.Amount.default_error_messages),
            },
        },
    }
