"""Issue 8, "Done when": a hazard with photos filed offline survives a reload and reaches the server exactly once."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import POSITION, shot
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
    response = world.api.get("/api/v1/hazards?per_page=200")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_offline_hazard_with_two_photos_survives_a_reload_and_arrives_once(page, context, world, tmp_path):
    photos = [camera_jpeg(tmp_path / "a.jpg", 1), camera_jpeg(tmp_path / "b.jpg", 2)]
    log_in(page, world.reporter)
    wait_for_service_worker(page)
    shot(page, "01-home")

    go_offline(context)
    file_hazard(page, title="后山滑坡", photos=photos)
    expect(page.get_by_text("已保存到手机")).to_be_visible()
    expect(page.get_by_role("button", name="待发送")).to_contain_text("1")
    shot(page, "03-home-one-waiting")

    page.reload()  # still offline: the shell comes from the service worker, the item from IndexedDB
    expect(page.get_by_role("button", name="上报隐患")).to_be_visible()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("1 条待发送，最早的保存于刚刚")
    expect(page.locator(".outbox-item")).to_contain_text("2 张照片")
    shot(page, "04-outbox-offline")
    assert _hazards(world) == []

    go_online(context)  # the `online` event starts the sender by itself
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    shot(page, "05-outbox-sent")

    [hazard] = _hazards(world)
    assert (hazard["title"], hazard["category"], hazard["risk_level"]) == ("后山滑坡", "landslide", "high")
    assert (hazard["threatened_households"], hazard["threatened_persons"]) == (3, 11)
    assert (hazard["lat"], hazard["lon"], hazard["accuracy_m"]) == (
        POSITION["latitude"],
        POSITION["longitude"],
        POSITION["accuracy"],
    )
    detail = world.api.get(f"/api/v1/hazards/{hazard['id']}").get_json()
    assert len(detail["photos"]) == 2
    for photo in detail["photos"]:
        # The shrunk JPEG carries no EXIF: the position came from the multipart fields the outbox sent.
        assert (photo["lat"], photo["lon"], photo["accuracy_m"]) == (
            POSITION["latitude"],
            POSITION["longitude"],
            POSITION["accuracy"],
        )
        assert max(photo["width"], photo["height"]) <= 1600
