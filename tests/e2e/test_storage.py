"""Storage on the phone (PWA.md rule 7): a save that does not fit says so and keeps what was saved before; items
that waited over a day and a nearly full storage are shown."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import camera_jpeg, file_hazard, go_offline, log_in, open_outbox

# Headless Chromium keeps a browser context's storage in memory and ignores CDP's Storage.overrideQuotaForOrigin
# there, so a full phone is played by the page: photo writes are refused the way a full disk refuses them
# (QuotaExceededError) and storage.estimate() reports little room left.
FULL_PHONE = """
window.__storageFull = false;
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...args) {
  if (window.__storageFull && this.name === 'blobs') throw new DOMException('quota', 'QuotaExceededError');
  return put.apply(this, args);
};
const estimate = StorageManager.prototype.estimate;
StorageManager.prototype.estimate = async function () {
  const real = await estimate.call(this);
  return window.__storageFull ? { ...real, quota: real.usage + 1_000_000 } : real;
};
"""


def test_a_save_that_does_not_fit_says_so_and_keeps_earlier_items(page, context, world, tmp_path):
    context.add_init_script(FULL_PHONE)
    log_in(page, world.reporter)
    go_offline(context)
    file_hazard(page, title="先存下的隐患")

    page.evaluate("window.__storageFull = true")
    page.get_by_role("link", name="上报隐患").click()
    page.get_by_role("radio", name="危房").click()
    page.get_by_role("radio", name="较大（橙）").click()
    page.get_by_label("隐患名称").fill("照片太大存不下")
    page.locator("input[name=gallery]").set_input_files(str(camera_jpeg(tmp_path / "big.jpg", 7)))
    expect(page.locator(".photo-thumb")).to_have_count(1)
    page.get_by_role("button", name="保存并上报").click()
    expect(page.get_by_text("手机存储空间不足，这条没有保存")).to_be_visible()
    shot(page, "17-hazard-storage-full")

    page.get_by_role("button", name="返回").click()
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_contain_text("1 条待发送")  # nothing half-written, nothing lost
    expect(page.locator(".outbox-item")).to_contain_text("先存下的隐患")
    expect(page.get_by_text("手机存储空间快满了")).to_be_visible()


def test_an_item_waiting_over_a_day_is_flagged(page, context, world):
    log_in(page, world.reporter)
    go_offline(context)
    file_hazard(page, title="等了很久的隐患")
    page.clock.set_fixed_time(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25))
    open_outbox(page)
    expect(page.locator(".outbox-count")).to_have_text("1 条待发送，最早的保存于1 天前")
    expect(page.get_by_text("有的内容已等了一天以上")).to_be_visible()
    shot(page, "18-outbox-waited-a-day")
