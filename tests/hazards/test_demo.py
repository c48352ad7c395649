"""`flask demo seed` adds a few hazards: one per ledger stage, a supervised one and an overdue one."""

from server.demo import DEMO_PASSWORD


def test_demo_hazards(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"username": "town_reviewer", "password": DEMO_PASSWORD})
    assert login.status_code == 200
    assert login.get_json()["user"]["username"] == "town_reviewer"
    listing = client.get("/api/v1/hazards").get_json()
    assert listing["total"] == 5
    assert {item["status"] for item in listing["items"]} == {"rectifying", "verified", "reported", "rejected"}
    overdue = client.get("/api/v1/hazards?overdue=true").get_json()["items"]
    assert [item["title"] for item in overdue] == ["村小学旧教学楼墙体开裂"]
    supervised = client.get("/api/v1/hazards?supervised=true").get_json()["items"]
    assert [item["title"] for item in supervised] == ["秋口村后山坡体裂缝"]
    ledger = client.get("/api/v1/hazards/export.xlsx")
    ledger.close()
    assert ledger.status_code == 200
