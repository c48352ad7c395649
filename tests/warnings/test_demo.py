"""`flask demo seed` issues one active red warning in the demo county, answered by one village."""

from server.demo import DEMO_PASSWORD


def test_demo_warning(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"username": "town_reviewer", "password": DEMO_PASSWORD})
    assert login.status_code == 200
    dashboard = client.get("/api/v1/dashboard").get_json()
    assert [(w["title"], w["level"], w["active"]) for w in dashboard["warnings"]] == [("暴雨红色预警", "red", True)]
    assert (
        dashboard["warnings"][0]["summary"]["targets"] == 4 and dashboard["warnings"][0]["summary"]["acknowledged"] == 1
    )
    status = client.get(f"/api/v1/warnings/{dashboard['warnings'][0]['id']}/status").get_json()
    silent = [u for u in status["units"] if not u["acknowledged"]]
    assert len(silent) == 3 and all(u["officers"][0]["phone"].startswith("138") for u in silent)
