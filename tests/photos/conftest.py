from tests.hazards.factories import people  # noqa: F401  (fixture)
