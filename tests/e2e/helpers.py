"""What a person does in the app, as steps the browser tests share."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.conftest import PASSWORD


def log_in(page: Page, user, password: str = PASSWORD) -> None:
    page.goto("/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()


def wait_for_service_worker(page: Page) -> None:
    """The service worker has installed its shell and controls the page (it claims it on activation)."""
    # Polled from Python: wait_for_function compiles its predicate with eval in the page, which the strict CSP
    # refuses whenever Playwright cannot take its CSP-exempt path (seen after a page crash and reopen).
    for _ in range(200):
        if page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("no service worker took control of the page within 20 s")


def go_offline(context: BrowserContext) -> None:
    # set_offline stops the page's requests; routes abort the API too, to be sure nothing slips through.
    context.set_offline(True)
    context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    context.route("**/healthz", lambda route: route.abort("internetdisconnected"))


def hold_first_request(context: BrowserContext, url: re.Pattern) -> list[Route]:
    """A slow network for one read: the first request to ``url`` waits in the returned list until the test calls
    ``continue_()`` on it; later ones go through."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    context.route(url, hold)
    return held


def go_online(context: BrowserContext) -> None:
    context.unroute("**/api/**")
    context.unroute("**/healthz")
    context.set_offline(False)


def camera_jpeg(
    path: Path,
    seed: int = 0,
    size: tuple[int, int] = (3000, 2250),
    gps: tuple[tuple, tuple] | None = None,
    taken: str | None = None,
) -> Path:
    """A phone-camera-sized JPEG with some detail (a flat image would shrink to nothing); optionally with the
    EXIF a phone camera writes: GPS as ((deg, min, sec) north, (deg, min, sec) east) and DateTimeOriginal."""
    image = Image.effect_noise(size, 40 + seed).convert("RGB")
    pen = ImageDraw.Draw(image)
    for i in range(0, size[0], 150):
        pen.line([(i, 0), (size[0] - i, size[1])], fill=(30 * seed % 255, 120, 60), width=12)
    exif = Image.Exif()
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: gps[0], 3: "E", 4: gps[1]})
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal, local time without an offset
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def outbox_badge(page: Page) -> str:
    return page.get_by_role("link", name="待发送").inner_text()


def outbox_count(page: Page) -> int:
    """How many items the phone's outbox holds (IndexedDB ``outbox``, every user's), read from the page."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('gridreport');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const request = open.result.transaction('outbox').objectStore('outbox').count();
                request.onsuccess = () => { resolve(request.result); open.result.close(); };
                request.onerror = () => reject(request.error);
            };
        })"""
    )


def wait_for_empty_outbox(page: Page, timeout_s: float = 20) -> None:
    """Wait until the phone's outbox is empty: every item left after the server's 2xx, and since the outbox is the
    only way the app writes, nothing more is on its way. (The condition "nothing more will be sent", instead of
    a pause that hopes to be long enough.)"""
    for _ in range(int(timeout_s * 10)):
        if outbox_count(page) == 0:
            return
        page.wait_for_timeout(100)  # polling the condition
    raise AssertionError(f"the outbox still holds {outbox_count(page)} item(s) after {timeout_s} s")


def open_outbox(page: Page) -> None:
    page.get_by_role("link", name="待发送").click()
    expect(page.get_by_role("heading", name="待发送")).to_be_visible()


def file_hazard(
    page: Page, *, title: str, photos: list[Path] = (), households: int = 3, persons: int = 11, refused: bool = False
) -> None:
    """From home: 上报隐患, fill the form as a person would, save. Ends back on home; or, when the server refuses
    it (``refused``), on the fix screen that says 未被接受, and then back home."""
    page.get_by_role("link", name="上报隐患").click()
    expect(page.get_by_role("heading", name="上报隐患")).to_be_visible()
    page.get_by_role("radio", name="滑坡").click()
    page.get_by_role("radio", name="较大（橙）").click()
    page.get_by_label("隐患名称").fill(title)
    page.get_by_label("情况说明").fill("屋后山坡出现裂缝，雨后有碎石滚落")
    page.get_by_label("威胁户数").fill(str(households))
    page.get_by_label("威胁人数").fill(str(persons))
    expect(page.locator(".location-status")).to_contain_text("已定位")
    if photos:
        page.locator("input[name=gallery]").set_input_files([str(p) for p in photos])
        expect(page.locator(".photo-thumb")).to_have_count(len(photos))
    page.get_by_role("button", name="保存并上报").click()
    if refused:
        expect(page.get_by_role("heading", name="修改隐患")).to_be_visible()
        expect(page.get_by_text(re.compile("^未被接受"))).to_be_visible()
        page.get_by_role("button", name="返回").click()
    expect(page.get_by_role("link", name="上报隐患")).to_be_visible()


def small_touch_targets(page: Page, minimum: int = 44) -> list[str]:
    """Visible buttons, inputs and links smaller than `minimum` CSS px either way (one thumb, issue 8)."""
    return page.evaluate(
        """(minimum) => [...document.querySelectorAll('button, input, textarea, a[href], [role=radio]')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([, box]) => box.height < minimum || box.width < minimum)
            .map(([el, box]) => `${el.tagName} "${(el.innerText || el.name || '').trim()}" `
                + `${box.width}×${box.height}`)""",
        minimum,
    )


def past_the_margin(page: Page) -> list[str]:
    """Visible elements of the screen's content that reach into its side padding or past the phone's edge (a unit
    pushed out of its row by a 360 px screen, a line that does not wrap); a band drawn edge to edge on purpose is
    allowed, not what it holds."""
    return page.evaluate(
        """() => {
            const main = document.querySelector('main');
            if (!main) return [];
            const box = main.getBoundingClientRect();
            const style = getComputedStyle(main);
            const right = Math.min(box.right - parseFloat(style.paddingRight), document.documentElement.clientWidth);
            // Where an element's drawing ends: its box, or its own text spilling out of a box squeezed narrower
            // than the text (a flex item that shrank, a nowrap line). Children are checked as themselves.
            const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
            const drawnTo = (el) => {
                const edge = el.getBoundingClientRect();
                const spills = ownText(el) && !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
                    && getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1;
                return spills ? Math.max(edge.right, edge.left + el.scrollWidth) : edge.right;
            };
            const width = document.documentElement.clientWidth;
            // A band drawn edge to edge on purpose (a warning banner) is not in the margin: its content is.
            const fullBleed = (el) => el.getBoundingClientRect().left <= 1 && drawnTo(el) <= width + 1;
            return [...main.querySelectorAll('*')]
                .filter((el) => el.offsetParent !== null)
                .filter((el) => drawnTo(el) > right + 1 && !fullBleed(el))
                .map((el) => `${el.tagName}.${el.className} "${(el.innerText || '').trim().slice(0, 20)}" `
                    + `${Math.round(drawnTo(el))} > ${Math.round(right)}`);
        }"""
    )


AXE = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's accessibility violations of these impacts on the current screen, one line each (rule, impact,
    the first elements): ``assert axe_violations(page) == []``. axe-core (pwa devDependency,
    node_modules/axe-core/axe.min.js) is injected once per page load."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in pwa/")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the app's strict CSP does not apply to (a <script> tag,
        # page.add_script_tag, would be refused as inline script).
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;typeof window.axe")
    found = page.evaluate(
        """async (impacts) => {
            const result = await window.axe.run(document, { resultTypes: ['violations'] });
            return result.violations
                .filter((v) => impacts.includes(v.impact))
                .map((v) => `${v.id} (${v.impact}): ${v.help} — `
                    + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
        }""",
        list(impacts),
    )
    return found
