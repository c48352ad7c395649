"""The photos sent with a damage report, on its detail screen (issue 18 item 7), on a 360 px phone: thumbnails for
the officer who filed it and for the township reviewing it; a tap opens the full size in the app (关闭 to go back,
打开原图 for the browser's own zoom). Evacuation reports take no photos (the API has no upload for them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PHONE, SCREENSHOTS, shot
from tests.e2e.helpers import camera_jpeg, log_in
from tests.e2e.test_warnings import log_in_desk
from tests.hazards.factories import upload


@pytest.fixture
def desk_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """The township reviewer's phone: a second browser beside the village officer's (``page``)."""
    context = browser.new_context(**PHONE, base_url=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text))
    yield page
    context.close()
    assert not errors, errors


def loaded_width(page: Page, selector: str) -> int:
    """The natural width of the first image matching ``selector`` once it has loaded (0 while it has not)."""
    for _ in range(100):
        width = page.evaluate(
            "(s) => { const i = document.querySelector(s); return i && i.complete ? i.naturalWidth : 0; }", selector
        )
        if width:
            return width
        page.wait_for_timeout(100)
    return 0


def test_a_reports_photos_show_as_thumbnails_and_open_full_size(page, desk_page, world, login_as, tmp_path):
    reporter = login_as(world.reporter)
    response = reporter.post(
        f"/api/v1/events/{world.event['id']}/damage-reports",
        json={"client_id": str(uuid.uuid4()), "stage": "initial", "figures": {"affected_population": 30}},
    )
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    photos = []
    for seed in (1, 2):
        # small enough for the test client to keep the upload in memory (a spooled file left open warns)
        image = camera_jpeg(tmp_path / f"damage-{seed}.jpg", seed, size=(800, 600)).read_bytes()
        assert len(image) < 500_000
        sent = upload(reporter, f"/api/v1/damage-reports/{report['id']}/photos", image)
        assert sent.status_code == 201, sent.get_json()
        photos.append(sent.get_json())

    # The officer who filed it: 我的报告 → the report.
    log_in(page, world.reporter)
    page.get_by_role("link", name="我的报告").click()
    page.locator(".report-row", has_text="初报").first.click()
    gallery = page.get_by_role("region", name="照片")
    expect(gallery.get_by_role("heading", name="照片（2 张）")).to_be_visible()
    expect(gallery.get_by_role("img")).to_have_count(2)
    assert 0 < loaded_width(page, ".photo-thumb") <= 320  # the thumbnail, not the photo
    first = gallery.get_by_role("link", name="看第 1 张灾情照片的大图")
    expect(first).to_have_attribute("href", photos[0]["url"])  # the full size, also without the app
    shot(page, "h18vocab-07-report-photos")

    first.click()
    viewer = page.get_by_role("dialog", name="灾情照片 1 / 2")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("img", name="灾情照片 1（大图）")).to_be_visible()
    assert loaded_width(page, ".photo-full") == photos[0]["width"] > 320  # the full size
    expect(viewer.get_by_role("link", name="打开原图")).to_have_attribute("href", photos[0]["url"])
    shot(page, "h18vocab-08-photo-full-size")
    # What the phone shows: the viewer over the screen (a full-page picture draws it where the page was scrolled).
    page.screenshot(path=str(SCREENSHOTS / "h18vocab-08-photo-full-size-screen.png"))
    viewer.get_by_role("button", name="下一张").click()
    expect(page.get_by_role("dialog", name="灾情照片 2 / 2")).to_be_visible()
    page.get_by_role("button", name="关闭").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(gallery).to_be_visible()

    # The township reviewing it sees them too, from the desk (its own phone).
    page = desk_page
    log_in_desk(page, world.town_reviewer)
    page.locator(".desk-card[data-event]").first.click()
    page.get_by_role("region", name="待审核").get_by_text("石门村 初报").click()
    expect(page.get_by_role("region", name="审核")).to_be_visible()
    expect(page.get_by_role("region", name="照片").get_by_role("img")).to_have_count(2)
    assert loaded_width(page, ".photo-thumb") > 0
    shot(page, "h18vocab-09-reviewer-sees-photos")
