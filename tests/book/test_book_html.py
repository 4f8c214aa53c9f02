"""Open every page of the built book in headless Chromium with the network cut off.

For each page in _toc.yml: math is rendered by the bundled MathJax (no raw TeX left),
every image loaded, no console error, and no request left the local server. The search
page must find "backpropagation". Needs Debian's chromium (tools/install_system.sh) and
the built book (make build).
"""
import functools
import http.server
import shutil
import threading

import pytest

from book_support import require_built_book, toc_files

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements.txt")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Console messages that are harmless and expected offline. Keep this list short and explained.
HARMLESS_CONSOLE = (
    "favicon.ico",  # the theme asks for a favicon the book does not ship
)

pytestmark = [pytest.mark.book, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def site():
    root = require_built_book()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `bash tools/install_system.sh` (Debian package chromium)")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,  # playwright gives every launch a fresh, empty profile
        )
        yield b
        b.close()


def open_offline(browser, url):
    """Load url with every non-local request blocked; return (page, problems)."""
    page = browser.new_page()
    problems = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            problems.append(f"request to the network: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and not any(h in m.text for h in HARMLESS_CONSOLE)
            and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(url, wait_until="load")
    return page, problems


PAGES = toc_files()


@pytest.mark.parametrize("doc", PAGES)
def test_page_renders_offline(browser, site, doc):
    page, problems = open_offline(browser, f"{site}/{doc}.html")
    try:
        n_math = page.locator(".math").count()
        if n_math:
            # MathJax typesets asynchronously: wait until every math element holds its output.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.math')].every(e => e.querySelector('mjx-container'))",
                timeout=30_000,
            )
            assert page.locator("mjx-merror").count() == 0, f"{doc}: MathJax reported a TeX error"
        text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        for raw in ("$$", "\\(", "\\[", "\\begin{"):
            assert raw not in text, f"{doc}: raw TeX {raw!r} left in the rendered page"
        broken = page.evaluate(
            "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        assert not broken, f"{doc}: images that did not load: {broken}"
        assert not problems, f"{doc}: " + "; ".join(problems)
    finally:
        page.close()


def test_math_is_rendered_by_local_mathjax(browser, site):
    page, problems = open_offline(browser, f"{site}/book/notation.html")
    try:
        page.wait_for_selector("mjx-container", timeout=30_000)
        srcs = page.evaluate("() => [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
        assert srcs and all(s.startswith(site) for s in srcs), srcs
        assert page.locator("mjx-container").count() >= 5
        assert not problems, problems
    finally:
        page.close()


def test_search_finds_backpropagation(browser, site):
    page, problems = open_offline(browser, f"{site}/search.html?q=backpropagation")
    try:
        page.wait_for_selector("#search-results li", timeout=30_000)
        hits = page.locator("#search-results li").count()
        assert hits >= 3, f"search for 'backpropagation' found {hits} pages"
        assert not problems, problems
    finally:
        page.close()


PHONE = {"width": 390, "height": 844}


def test_wide_equations_scroll_with_a_cue_on_phones(browser, site):
    """At 390 px a wide display equation scrolls inside its own box, which shows a scroll cue."""
    page = browser.new_page(viewport=PHONE, device_scale_factor=2)
    try:
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site) else r.abort())
        page.goto(f"{site}/book/ch08_backprop_deltas.html", wait_until="load")
        page.wait_for_function(
            "() => [...document.querySelectorAll('div.math')].every(e => e.querySelector('mjx-container'))",
            timeout=30_000)
        wide = page.evaluate("""() => [...document.querySelectorAll('div.math')]
            .filter(e => e.scrollWidth > e.clientWidth + 2)
            .map(e => { const s = getComputedStyle(e);
                        const m = e.querySelector('mjx-container').getBoundingClientRect();
                        return {over: s.overflowX, bg: s.backgroundImage, right: e.getBoundingClientRect().right,
                                clipped_left: e.getBoundingClientRect().left - m.left}; })""")
        assert wide, "no equation of ch08 is wider than a phone: the check has nothing to check"
        for w in wide:
            assert w["over"] in ("auto", "scroll"), f"a wide equation is cut off (overflow-x {w['over']})"
            assert "gradient" in w["bg"], "a wide equation has no scroll cue"
            assert w["right"] <= PHONE["width"] + 1, "an equation box runs off the screen"
            assert w["clipped_left"] <= 1, "an equation overflows off its left edge, where no scrollbar reaches"
        body_overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert body_overflow <= PHONE["width"] + 1, f"the page itself scrolls sideways ({body_overflow} px)"
    finally:
        page.close()


def test_gradcheck_table_columns_are_separated(browser, site):
    page, problems = open_offline(browser, f"{site}/book/ch08_backprop_deltas.html")
    try:
        cells = page.evaluate("""() => [...document.querySelectorAll('div.cell_output table:not(.dataframe) td')]
            .slice(0, 12).map(td => { const s = getComputedStyle(td);
               return [parseFloat(s.paddingLeft), parseFloat(s.paddingRight), parseFloat(s.borderLeftWidth)]; })""")
        assert cells, "no gradcheck table in ch08"
        for left, right, border in cells:
            assert left + right >= 10 and border >= 1, f"table columns run together: {cells[:3]}"
    finally:
        page.close()


def test_progress_bar_is_one_box(browser, site):
    page, problems = open_offline(browser, f"{site}/book/ch12_results.html")
    try:
        boxes = page.evaluate("""() => [...document.querySelectorAll('div.cell_output')]
            .map(o => o.querySelectorAll('.output.stderr').length).filter(n => n > 0)""")
        assert boxes and max(boxes) == 1, f"stderr split into boxes per cell: {boxes}"
    finally:
        page.close()


def test_start_page_links_the_kit_and_the_pdf(browser, site):
    page, problems = open_offline(browser, f"{site}/book/start.html")
    try:
        hrefs = page.evaluate("() => [...document.querySelectorAll('main a')].map(a => a.href)")
        assert any(h.endswith("/kit/backprop-checked-kit.zip") for h in hrefs), hrefs
        assert any(h.endswith("/pdf/backprop-checked.pdf") for h in hrefs), hrefs
        text = page.inner_text("main")
        assert "--no-index --find-links" in text and "python3 -m venv" in text
        assert not problems, problems
    finally:
        page.close()
