"""Local event tests: the village's reporter, its township's reviewer, the township next door, the county."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(tree, make_user, login_as):
    class People:
        reporter = login_as(make_user("reporter", tree.village_a1, name="甲一村信息员"))
        town = login_as(make_user("reviewer", tree.town_a, name="甲镇审核员"))
        other_town = login_as(make_user("reviewer", tree.town_b, name="乙乡审核员"))
        county = login_as(make_user("reviewer", tree.county, name="县审核员"))

    return People
