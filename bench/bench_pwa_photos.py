"""Bytes a phone uploads for a photo, against the camera file (issue 8: ≤ 15% for a typical 12 MP photo).

Runs the real pipeline: the built PWA in Debian's headless Chromium files a hazard offline with a 12 MP JPEG picked
in the form; photos.js shrinks it (createImageBitmap → 1600 px long side → JPEG 0.8) and the outbox stores the
blob that will be uploaded; the bench reads that blob's size from IndexedDB. The camera files are generated
(bench_photos.phone_jpeg: a gradient with sensor-like noise, 4000×3000) at three levels of detail, from a plain
scene to a very detailed one. Needs `make pwa` first.

Run: ``.venv/bin/python bench/bench_pwa_photos.py [--no-write]``; results go to BENCHMARKS.md under
``## PWA photo upload`` (only that section is rewritten).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from bench_photos import phone_jpeg  # bench/ is the script directory
from sections import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from server import PWA_DIST, create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.orgunits.models import OrgUnit  # noqa: E402
from server.users.models import User  # noqa: E402
from server.users.passwords import hash_password  # noqa: E402

SECTION = "## PWA photo upload"
BUDGET = 0.15
CASES = [("plain scene", 0.15, 90), ("typical", 0.35, 92), ("very detailed", 0.6, 95)]
PASSWORD = "bench-password-1"


def serve(tmp: Path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "SECRET_KEY": "bench",
            "MEDIA_DIR": str(tmp / "media"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        county = OrgUnit(code="369901", name="基准县", level="county", path="/369901/")
        db.session.add(county)
        db.session.flush()
        village = OrgUnit(
            code="369901001001", name="基准村", level="village", parent_id=county.id, path="/369901/369901001001/"
        )
        db.session.add(village)
        db.session.flush()
        db.session.add(
            User(
                username="bench",
                name="基准",
                role="reporter",
                org_unit_id=village.id,
                active=True,
                password_hash=hash_password(PASSWORD),
            )
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(page, photo: Path) -> int:
    """File a hazard offline with this photo; the size of the blob the outbox will upload."""
    page.goto("/hazards/new")
    page.get_by_role("radio", name="滑坡").click()
    page.get_by_role("radio", name="低（蓝）").click()
    page.get_by_label("隐患名称").fill("基准")
    page.get_by_label("地址或位置说明").fill("基准地点")
    page.locator("input[name=gallery]").set_input_files(str(photo))
    expect(page.locator(".photo-thumb")).to_have_count(1, timeout=60_000)
    page.get_by_role("button", name="保存并上报").click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('gridreport');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const read = open.result.transaction('blobs').objectStore('blobs').getAll();
              read.onsuccess = () => {
                const sizes = read.result.map((record) => record.blob.size);
                open.result.close();
                resolve(sizes[sizes.length - 1]);
              };
            };
        })"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--quick", action="store_true", help="the typical photo only, no write (make test)")
    args = parser.parse_args()
    if args.quick:
        args.no_write = True
        if not (PWA_DIST / "index.html").exists() or not Path("/usr/bin/chromium").exists():
            print("bench_pwa_photos: pwa/dist or /usr/bin/chromium missing; skipped")
            sys.exit(1 if os.environ.get("CI") == "true" else 0)
    if not (PWA_DIST / "index.html").exists():
        sys.exit("pwa/dist is missing: run `make pwa` first")
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as playwright:
        tmp = Path(tmp_name)
        server = serve(tmp)
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(
            base_url=f"http://127.0.0.1:{server.server_port}",
            viewport={"width": 393, "height": 851},
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            service_workers="block",
        )
        page = context.new_page()
        page.goto("/")
        page.get_by_label("用户名").fill("bench")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("link", name="上报隐患")).to_be_visible()
        context.route("**/healthz", lambda route: route.abort())  # keep everything in the outbox
        for label, noise, quality in CASES:
            if args.quick and label != "typical":
                continue
            photo = tmp / f"{label}.jpg"
            photo.write_bytes(phone_jpeg(noise, quality))
            original = photo.stat().st_size
            uploaded = measure(page, photo)
            rows.append((label, original, uploaded))
            print(
                f"{label:14} camera {original / 1e6:6.2f} MB → upload {uploaded / 1e3:7.1f} KB "
                f"({uploaded / original:.1%})"
            )
        browser.close()
        server.shutdown()

    typical = next(row for row in rows if row[0] == "typical")
    verdict = "✓" if typical[2] / typical[1] <= BUDGET else "✗"
    lines = [
        SECTION,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} ({platform.python_version()}), "
        "Debian Chromium headless, the built PWA. Budget: the upload of a typical 12 MP photo ≤ 15% of the camera "
        f"file. Typical: {typical[2] / typical[1]:.1%} {verdict}.",
        "",
        "| 4000×3000 camera JPEG | camera file | uploaded (1600 px, JPEG 0.8) | share |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {label} | {orig / 1e6:.2f} MB | {up / 1e3:.0f} KB | {up / orig:.1%} |" for label, orig, up in rows]
    lines += [
        "",
        "The bytes are the blob the outbox stores and uploads (the multipart envelope adds a few hundred bytes); the "
        "camera files are generated (bench/bench_photos.py's `phone_jpeg`), so a real photo's share depends on its "
        "detail as the rows show.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
