from __future__ import annotations

import pytest

from tests.hostile.world import HostileWorld
from tests.test_authorization_features import World


@pytest.fixture
def hostile(app, tree, make_unit, make_user, login_as) -> HostileWorld:
    world = World(tree=tree, make_unit=make_unit, make_user=make_user, login_as=login_as, level="county")
    return HostileWorld(app, world)
