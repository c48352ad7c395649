import pytest

from tests.rollup import factories


@pytest.fixture(autouse=True)
def _factories_app(app):
    factories.APP = app
