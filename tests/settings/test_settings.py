"""GET /settings: what a client needs of the deployment's settings (the map's tiles), and the CSP that follows."""

import pytest

from server import SECURITY_HEADERS
from server.settings.csp import tile_source, with_map_tiles
from tests.conftest import PASSWORD, assert_error

TIANDITU = "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"


def test_without_tiles_the_map_asks_nothing_elsewhere(make_user, login_as, tree):
    for role in ("reporter", "reviewer", "viewer", "admin"):
        response = login_as(make_user(role, tree.county)).get("/api/v1/settings")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert {key: body[key] for key in ("map_tile_url", "map_tile_subdomains", "map_attribution")} == {
            "map_tile_url": None,
            "map_tile_subdomains": "abc",
            "map_attribution": "",
        }
        assert body["final_report_days"]["洪涝"] == 2 and body["final_report_days"]["海洋灾害"] == 2
        assert "img-src 'self' blob: data:;" in response.headers["Content-Security-Policy"]


def test_tile_url_is_served_and_its_host_allowed_for_images(make_app, make_user, tree):
    user = make_user("reviewer", tree.county)
    app = make_app(
        MAP_TILE_URL=TIANDITU,
        MAP_TILE_SUBDOMAINS="01234567",
        MAP_ATTRIBUTION="天地图",
        DEADLINE_FINAL_DAYS=3,
        DEADLINES_BY_TYPE={"干旱": {"DEADLINE_FINAL_DAYS": 10}},
    )
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert login.status_code == 200
    response = client.get("/api/v1/settings")
    body = response.get_json()
    assert body["map_tile_url"] == TIANDITU and body["map_tile_subdomains"] == "01234567"
    assert body["map_attribution"] == "天地图"
    assert body["final_report_days"]["干旱"] == 10 and body["final_report_days"]["洪涝"] == 3
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' https://*.tianditu.gov.cn blob: data:;" in policy
    assert "default-src 'self';" in policy  # scripts and everything else stay on the origin


def test_settings_want_a_login(client):
    assert_error(client.get("/api/v1/settings"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("url", "source"),
    [
        (TIANDITU, "https://*.tianditu.gov.cn"),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        (None, None),
        ("", None),
        ("javascript:alert(1)", None),
        ("https://a.{s}.example.org/{z}", None),  # a placeholder CSP cannot say
        ("https://evil.org; script-src *", None),
    ],
)
def test_tile_source(url, source):
    assert tile_source(url) == source
    if source is None:
        assert with_map_tiles(SECURITY_HEADERS, url)["Content-Security-Policy"].startswith(
            "default-src 'self'; img-src 'self' blob:"
        )
