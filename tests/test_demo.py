"""`flask demo seed` builds a county that every role can log in to, once, and never in production."""

from sqlalchemy import func, select

from server.demo import DEMO_PASSWORD
from server.extensions import db
from server.orgunits.models import OrgUnit


def test_demo_seed_prints_logins_that_work(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "county_reviewer" in result.output and DEMO_PASSWORD in result.output
    with app.app_context():
        levels = dict(db.session.execute(select(OrgUnit.level, func.count()).group_by(OrgUnit.level)).all())
    assert levels["township"] >= 3 and levels["village"] >= 12 and levels["grid"] >= 1
    for username in ("county_reviewer", "town_reviewer", "village_reporter", "grid_reporter", "county_admin"):
        response = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, username
    again = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "already present" in again.output


def test_demo_seed_refuses_production(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert result.exit_code != 0 and "production" in result.output
