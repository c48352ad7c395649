"""Issue 8, "Done when": a lost response, a crashed page and a new service worker never lose or double a report."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import (
    camera_jpeg,
    file_hazard,
    go_offline,
    go_online,
    log_in,
    open_outbox,
    wait_for_service_worker,
)


def _hazards(world) -> list[dict]:
    return world.api.get("/api/v1/hazards?per_page=200").get_json()["items"]


def _photos_of(world, hazard_id: int) -> list[dict]:
    return world.api.get(f"/api/v1/hazards/{hazard_id}").get_json()["photos"]


def test_a_lost_response_is_retried_and_leaves_one_record(page, world, tmp_path):
    log_in(page, world.reporter)
    reached_server = []

    def commit_then_lose(route):
        # The request reaches the server, which commits; the page never sees the answer.
        response = route.fetch()
        reached_server.append(response.status)
        route.abort("connectionreset")

    page.route("**/api/v1/hazards", commit_then_lose, times=1)
    file_hazard(page, title="村口危房", photos=[camera_jpeg(tmp_path / "a.jpg", 3)])
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_contain_text("全部已发送", timeout=30_000)

    assert reached_server == [201]
    [hazard] = _hazards(world)
    assert hazard["title"] == "村口危房"
    assert len(_photos_of(world, hazard["id"])) == 1


@pytest.mark.parametrize("crash_on", ["report", "photo"])
def test_a_page_crashed_mid_send_and_reopened_sends_everything_once(page, context, world, tmp_path, crash_on):
    log_in(page, world.reporter)
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)
    crashed = []

    def commit_then_crash(route):
        route.fetch()  # the server has it ...
        crashed.append(route.request.url)
        with contextlib.suppress(PlaywrightError):  # the page dies before answering the command
            cdp.send("Page.crash")  # ... and the page dies before it hears so

    pattern = "**/api/v1/hazards" if crash_on == "report" else "**/api/v1/hazards/*/photos"
    page.route(pattern, commit_then_crash, times=1)
    photos = [camera_jpeg(tmp_path / "a.jpg", 4), camera_jpeg(tmp_path / "b.jpg", 5)]
    page.get_by_role("link", name="上报隐患").click()
    with page.expect_event("crash"):
        _fill_and_save(page, "河堤渗水", photos)
    assert len(crashed) == 1
    page.close()

    reopened = context.new_page()  # the person opens the app again
    reopened.goto("/")
    open_outbox(reopened)
    expect(reopened.locator(".outbox-count")).to_have_text("全部已发送", timeout=30_000)

    [hazard] = _hazards(world)
    assert hazard["title"] == "河堤渗水"
    assert len(_photos_of(world, hazard["id"])) == 2


def _fill_and_save(page, title: str, photos: list[Path]) -> None:
    page.get_by_role("radio", name="内涝").click()
    page.get_by_role("radio", name="一般（黄）").click()
    page.get_by_label("隐患名称").fill(title)
    page.locator("input[name=gallery]").set_input_files([str(p) for p in photos])
    expect(page.locator(".photo-thumb")).to_have_count(len(photos))
    page.get_by_role("button", name="保存并上报").click()


@pytest.fixture
def restore_worker(pwa_dist: Path):
    worker = pwa_dist / "sw.js"
    original = worker.read_text(encoding="utf-8")
    yield worker
    worker.write_text(original, encoding="utf-8")


def test_shipping_a_new_service_worker_while_items_are_queued_loses_none(page, context, world, restore_worker):
    log_in(page, world.reporter)
    wait_for_service_worker(page)
    go_offline(context)
    file_hazard(page, title="第一处隐患")
    file_hazard(page, title="第二处隐患")
    expect(page.get_by_role("link", name="待发送")).to_contain_text("2")

    # A new version is deployed while the phone has a network but the API does not answer yet.
    source = restore_worker.read_text(encoding="utf-8")
    old_version = source.split('const VERSION = "', 1)[1].split('"', 1)[0]
    restore_worker.write_text(source.replace(old_version, "new0version1"), encoding="utf-8")
    context.set_offline(False)  # /api/* and /healthz stay aborted by go_offline's routes
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")

    update = page.get_by_role("button", name="有新版本，点此更新")
    expect(update).to_be_visible()
    # The new worker waits: it never takes over by itself while the page runs.
    assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)")
    shot(page, "20-update-prompt")
    with page.expect_navigation():  # the new worker takes over, the page reloads
        update.click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()
    caches = page.evaluate("caches.keys()")
    # The new shell is cached; the previous version's stays for a page of it still open (its lazy chunks).
    assert set(caches) == {"gridreport-shell-new0version1", f"gridreport-shell-{old_version}"}
    assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => !r.waiting)")
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_contain_text("2 条待发送")
    assert _hazards(world) == []

    go_online(context)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    assert sorted(h["title"] for h in _hazards(world)) == ["第一处隐患", "第二处隐患"]


def test_two_tabs_send_each_item_once(page, context, world):
    """Both tabs hear `online`; each item is POSTed once. (The sender lock itself is proven in the Vitest suite:
    here a tab also re-reads an item before sending it and leaves one another tab is sending.)"""
    log_in(page, world.reporter)
    other = context.new_page()  # the app open twice: both hear `online`, only the lock holder sends
    other.goto("/")
    expect(other.get_by_role("link", name="上报隐患")).to_be_visible()
    go_offline(context)
    file_hazard(page, title="第一条")
    file_hazard(page, title="第二条")
    expect(other.get_by_role("link", name="待发送")).to_contain_text("2")  # the other tab's count follows

    posts = []
    context.on("request", lambda r: r.method == "POST" and r.url.endswith("/api/v1/hazards") and posts.append(r))

    def slowly(route):  # a slow network keeps the first send in flight while the other tab wakes up
        time.sleep(0.3)
        route.continue_()

    context.route("**/api/v1/hazards", slowly)
    go_online(context)
    for tab in (page, other):
        expect(tab.get_by_role("link", name="待发送")).not_to_contain_text("2")
    open_outbox(other)
    expect(other.locator(".outbox-count")).to_have_text("全部已发送")
    assert len(posts) == 2
    assert sorted(h["title"] for h in _hazards(world)) == ["第一条", "第二条"]
