"""End-to-end fixtures: the built PWA in Debian's headless Chromium against a live server on SQLite.

The session starts the real app (real migrations) on a free port in a thread, serving a copy of ``pwa/dist`` (so a
test can ship a new service worker). The ``app`` fixture here replaces the root one, so the root factories
(``make_unit``, ``make_user``, ``login_as``) write into the live server's database and the root ``_clean_state``
empties it after each test. Every test gets a fresh browser context: a phone (393×851, touch, zh-CN, Asia/Shanghai)
with GPS allowed and no storage or service worker from an earlier test.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from server import PWA_DIST, create_app
from server.extensions import db
from tests.openapi_responses import ResponseLedger

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
# Where the reporter stands: a slope above a village in 婺源县 (the device position the form and photos take).
POSITION = {"latitude": 29.256321, "longitude": 117.861254, "accuracy": 12}

expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def pwa_dist(tmp_path_factory) -> Path:
    """A copy of the built PWA that tests may change (a new service worker)."""
    if not (PWA_DIST / "index.html").exists():
        pytest.fail("pwa/dist is missing: run `make pwa` (make test-e2e builds it)")
    copy = tmp_path_factory.mktemp("pwa") / "dist"
    shutil.copytree(PWA_DIST, copy)
    return copy


@pytest.fixture(scope="session")
def app(tmp_path_factory, pwa_dist: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('db') / 'e2e.db'}",
            "SECRET_KEY": "e2e-secret",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "MEDIA_DIR": str(tmp_path_factory.mktemp("media")),
            "RATELIMIT_STORAGE_URI": "memory://",
            "PWA_DIST": str(pwa_dist),
        }
    )
    # The root `_clean_state` checks every API answer against the OpenAPI document (tests/openapi_responses.py):
    # the browser's requests are checked too.
    app.extensions["response_ledger"] = ledger = ResponseLedger(app)
    app.after_request(ledger.record)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per asset drowns the failures' output
        pass


@pytest.fixture(scope="session")
def base_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs chromium and fonts-noto-cjk")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        **PHONE, base_url=base_url, geolocation=POSITION, permissions=["geolocation"], service_workers="allow"
    )
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The server's strict CSP: anything inline the PWA tried would be refused and reported here.
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    page.on("dialog", lambda dialog: dialog.accept())  # 删除 / 退出 confirmations
    yield page
    # A script error or a CSP violation in the app fails the test that caused it.
    assert not errors, errors


@pytest.fixture(scope="session", autouse=True)
def _screenshots_dir() -> None:
    SCREENSHOTS.mkdir(exist_ok=True)


def shot(page: Page, name: str) -> None:
    """A full-page screenshot of the current screen, for people to look at (tests/e2e/screenshots/)."""
    # A full-page capture draws a sticky bar where the page was scrolled to: unstick it for the picture.
    unstick = """(on) => document.querySelectorAll('.titlebar, .update-bar')
        .forEach((bar) => { bar.style.position = on ? 'static' : ''; })"""
    page.evaluate(unstick, True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.evaluate(unstick, False)
    # Every pictured screen fits a 360 px phone: nothing reaches into the side margin or past the edge.
    from tests.e2e.helpers import past_the_margin

    assert past_the_margin(page) == [], name


@dataclass
class World:
    """A county with a township and two villages, an active flood over the county, shelters in the village."""

    county: Any
    township: Any
    village: Any
    reporter: Any
    town_reviewer: Any
    county_reviewer: Any
    event: dict
    shelters: list[dict]
    api: Any  # the county reviewer's ApiClient, to read what reached the server
    town_api: Any


@pytest.fixture
def world(make_unit, make_user, login_as) -> World:
    county = make_unit("county", name="青山县")
    township = make_unit("township", county, name="石门镇")
    village = make_unit("village", township, name="石门村")
    make_unit("village", township, name="下河村")
    reporter = make_user("reporter", village, username="shimen_reporter", name="李秀英")
    town_reviewer = make_user("reviewer", township, username="shimen_reviewer", name="石门镇应急所")
    county_reviewer = make_user("reviewer", county, username="county_reviewer", name="县应急局")
    county_api = login_as(county_reviewer)
    response = county_api.post(
        "/api/v1/events",
        json={
            "name": "6月强降雨洪涝",
            "disaster_type": "洪涝",
            "disaster_subtype": "山区洪水",
            "org_unit_id": county.id,
        },
    )
    assert response.status_code == 201, response.get_json()
    town_api = login_as(town_reviewer)
    shelters = []
    for name, capacity in (("石门小学", 200), ("村委会礼堂", 80)):
        created = town_api.post(
            "/api/v1/shelters",
            json={
                "name": name,
                "org_unit_id": village.id,
                "kind": "school" if "小学" in name else "hall",
                "capacity": capacity,
            },
        )
        assert created.status_code == 201, created.get_json()
        shelters.append(created.get_json())
    return World(
        county,
        township,
        village,
        reporter,
        town_reviewer,
        county_reviewer,
        response.get_json(),
        shelters,
        county_api,
        town_api,
    )
