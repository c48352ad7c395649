"""Issue 8, "Done when", first item: offline hazard with two photos and a damage report, a reload while offline,
both arrive exactly once; a returned damage report is corrected on the phone and arrives once."""

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

GPS = (POSITION["latitude"], POSITION["longitude"], POSITION["accuracy"])


def _hazards(world) -> list[dict]:
    response = world.api.get("/api/v1/hazards?per_page=200")
    assert response.status_code == 200
    return response.get_json()["items"]


def _damage_reports(world) -> list[dict]:
    response = world.api.get(f"/api/v1/damage-reports?event_id={world.event['id']}&per_page=200")
    assert response.status_code == 200
    return response.get_json()["items"]


def _file_damage_report(page, affected: int, injured: int) -> None:
    page.get_by_role("link", name="报灾情").click()
    expect(page.get_by_role("heading", name="报灾情")).to_be_visible()
    expect(page.locator(".stage-card")).to_have_attribute("data-stage", "initial")  # chosen for the person
    page.locator("input[name='figures.affected_population']").fill(str(affected))
    page.locator("input[name='figures.injured']").fill(str(injured))
    shot(page, "06-damage-form-offline")
    page.get_by_role("button", name="保存并上报初报").click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()


def test_offline_hazard_and_damage_report_survive_a_reload_and_arrive_once(page, context, world, tmp_path):
    photos = [camera_jpeg(tmp_path / "a.jpg", 1), camera_jpeg(tmp_path / "b.jpg", 2)]
    log_in(page, world.reporter)
    wait_for_service_worker(page)
    expect(page.locator(".event-card")).to_contain_text(world.event["name"])  # the events read, not still loading
    shot(page, "01-home")

    go_offline(context)
    file_hazard(page, title="后山滑坡", photos=photos)
    expect(page.get_by_text("已存在手机，有网络时自动发送")).to_be_visible()
    shot(page, "03-home-one-waiting")
    _file_damage_report(page, affected=35, injured=2)
    expect(page.get_by_role("link", name="待发送")).to_contain_text("2")

    page.reload()  # still offline: the shell comes from the service worker, the items from IndexedDB
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("2 条待发送，最早的保存于刚刚")
    expect(page.locator(".outbox-item").first).to_contain_text("2 张照片")
    shot(page, "04-outbox-offline")
    assert _hazards(world) == [] and _damage_reports(world) == []

    go_online(context)  # the `online` event starts the sender by itself
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")
    shot(page, "05-outbox-sent")

    [hazard] = _hazards(world)
    assert (hazard["title"], hazard["category"], hazard["risk_level"]) == ("后山滑坡", "landslide", "high")
    assert (hazard["threatened_households"], hazard["threatened_persons"]) == (3, 11)
    assert (hazard["lat"], hazard["lon"], hazard["accuracy_m"]) == GPS
    photos_sent = world.api.get(f"/api/v1/hazards/{hazard['id']}").get_json()["photos"]
    assert len(photos_sent) == 2
    for photo in photos_sent:
        # The shrunk JPEG carries no EXIF: the position came from the multipart fields the outbox sent.
        assert (photo["lat"], photo["lon"], photo["accuracy_m"]) == GPS
        assert max(photo["width"], photo["height"]) <= 1600
    [report] = _damage_reports(world)
    assert (report["stage"], report["status"], report["current"]) == ("initial", "submitted", True)
    assert (report["figures"]["affected_population"], report["figures"]["injured"]) == (35, 2)

    # The township returns it; the reporter sees why, corrects it and sends a new report, which arrives once.
    returned = world.town_api.post(
        f"/api/v1/damage-reports/{report['id']}/review",
        json={"decision": "return", "comment": "受伤人数与卫生院统计不符，请核实"},
    )
    assert returned.status_code == 200, returned.get_json()
    page.goto("/")
    page.get_by_role("link", name="我的报告").click()
    expect(page.get_by_text("退回原因：受伤人数与卫生院统计不符，请核实")).to_be_visible()
    shot(page, "07-my-reports-returned")
    page.get_by_role("link", name="修改后重新报送").first.click()
    expect(page.get_by_text("退回原因：受伤人数与卫生院统计不符，请核实")).to_be_visible()
    injured = page.locator("input[name='figures.injured']")
    expect(injured).to_have_value("2")  # the returned figures to start from
    injured.fill("3")
    shot(page, "08-damage-correct")
    page.locator("button[name=submit]").click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("全部已发送")

    reports = _damage_reports(world)
    assert len(reports) == 2
    cached = page.evaluate(
        """async () => (await Promise.all((await caches.keys()).map(async (name) =>
            (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname)))).flat()"""
    )
    assert "/index.html" in cached and not [path for path in cached if path.startswith("/api/")]  # shell only
    [current] = [r for r in reports if r["current"]]
    assert (current["figures"]["injured"], current["status"]) == (3, "submitted")
    assert [r["status"] for r in reports if not r["current"]] == ["returned"]
