"""Every page of the publication opened in a real browser, on screen and in print emulation (Debian's headless
Chromium through selenium/chromedriver):
every image loads, nothing is wider than a 1280 px window, no console error; screenshots go to reports/out/.

Chromium comes from the project's setup (`make browser`, run by .ci/run); without it the test is skipped with the
command to run, never silently passed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sources.ingestion.settings import PROJECT_ROOT, get_settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WINDOW = (1280, 900)
SHOTS = PROJECT_ROOT / "reports" / "out" / "screenshots"
MAX_SHOTS = 60  # a long page: one screenshot per screen, at most this many

# Elements wider than the window, images that did not load (JS run in the page).
OVERFLOW_JS = """
const w = window.innerWidth;
const wide = [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect(); return r.right > w + 1 || r.left < -1; })
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');
return {wide: wide.slice(0, 20), page: document.documentElement.scrollWidth, window: w};
"""
IMAGES_JS = """
return [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
                                        width: i.getBoundingClientRect().width}));
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium not installed: run `make browser` (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def publication(built_home, tmp_path_factory) -> Path:
    from reports.portraits import write_portraits
    from reports.report import write_report

    out = tmp_path_factory.mktemp("report-out")
    write_report(get_settings().warehouse_path, out)
    write_portraits(get_settings().warehouse_path, out / "portraits", grouping="bassin_minier")
    return out


def _look(driver, page: Path, name: str, media: str = "screen", max_shots: int = MAX_SHOTS) -> dict:
    """Open the page with `media` emulated (screen, or print: the A4 stylesheet) and keep a screenshot per screen."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
    driver.get(page.as_uri())
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    images = driver.execute_script(IMAGES_JS)
    overflow = driver.execute_script(OVERFLOW_JS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"{name}-[0-9][0-9].png"):
        old.unlink()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    for i, top in enumerate(range(0, height, WINDOW[1] - 60)):
        if i == max_shots:
            break
        driver.execute_script(f"window.scrollTo(0, {top})")
        driver.save_screenshot(str(SHOTS / f"{name}-{i + 1:02d}.png"))
    return {"errors": errors, "images": images, "overflow": overflow, "height": height}


def _assert_readable(seen: dict) -> None:
    assert seen["errors"] == [], seen["errors"]
    assert seen["images"], "the page has charts"
    assert [i["alt"] for i in seen["images"] if not i["ok"]] == []
    assert all(i["width"] <= WINDOW[0] for i in seen["images"])
    assert seen["overflow"]["wide"] == [], seen["overflow"]
    assert seen["overflow"]["page"] <= seen["overflow"]["window"]


@pytest.mark.slow  # headless Chromium
def test_report_in_a_browser(browser, publication):
    seen = _look(browser, publication / "diagnostic.html", "diagnostic")
    _assert_readable(seen)
    assert len(seen["images"]) >= 5
    links = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)")
    assert any(link.endswith("portraits/index.html") for link in links), "the report links the portraits"


@pytest.mark.slow  # headless Chromium
def test_every_page_at_1280_px_and_in_print(browser, publication):
    """Every page of the publication, on screen at 1280 px and with the print stylesheet (A4)."""
    pages = [publication / "diagnostic.html", *sorted((publication / "portraits").glob("*.html"))]
    assert len(pages) > 3
    for page in pages:
        name = page.stem if page.parent == publication else f"portrait-{page.stem}"
        seen = _look(browser, page, name)
        assert seen["errors"] == [] and seen["overflow"]["wide"] == [], (page.name, seen)
        if page.stem != "index":
            _assert_readable(seen)
            links = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)")
            if page.parent != publication:  # a portrait links back to the report and to the index
                assert any(link.endswith("diagnostic.html") for link in links), page.name
                assert any(link.endswith("index.html") for link in links), page.name
        printed = _look(browser, page, f"print-{name}", media="print", max_shots=8)
        assert printed["errors"] == [] and printed["overflow"]["wide"] == [], (page.name, printed["overflow"])
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})


@pytest.mark.slow  # headless Chromium
def test_portrait_and_index_in_a_browser(browser, publication):
    index = publication / "portraits" / "index.html"
    seen = _look(browser, index, "portraits-index")
    assert seen["errors"] == [] and seen["overflow"]["wide"] == []
    links = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.href)")
    portraits = [link for link in links if link.endswith(".html") and "index" not in link
                 and "diagnostic" not in link]
    assert portraits, "the index links the portraits"
    page = Path(portraits[0].removeprefix("file://"))
    _assert_readable(_look(browser, page, "portrait"))
