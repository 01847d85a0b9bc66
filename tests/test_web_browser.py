"""The web app end to end in a real headless browser (Chromium driven by Selenium).

Needs ``chromium``, ``chromedriver`` (Debian: ``apt-get install chromium chromium-driver``) and
``pip install selenium``; skipped without them, unless ``CAMDIGIT_REQUIRE_BROWSER=1`` (CI), when
their absence fails. Screenshots go to ``$CAMDIGIT_ARTIFACTS`` if set, else to pytest's tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from camdigit.commands.demo import SAMPLE_PHOTO, SAMPLE_VIDEO, written_numbers

pytestmark = pytest.mark.slow

CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1400",
)


def missing(reason: str) -> None:
    if os.environ.get("CAMDIGIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CAMDIGIT_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def find(names: tuple[str, ...]) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = os.environ.get("CAMDIGIT_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed (pip install selenium)")
    chromium, driver_path = find(CHROMIUM), find(CHROMEDRIVER)
    if chromium is None:
        missing("chromium is not installed (apt-get install chromium)")
    if driver_path is None:
        missing("chromedriver is not installed (apt-get install chromium-driver)")
    profile = tempfile.mkdtemp(prefix="camdigit-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    # An MJPEG <img> never finishes loading: wait for the DOM, then for what each test needs.
    options.page_load_strategy = "eager"
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    except Exception as exc:  # a browser that cannot start here is a setup problem
        missing(f"chromium did not start: {str(exc).strip().splitlines()[0]}")
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The real app on a threaded werkzeug server on a free port, live on the sample video."""
    pytest.importorskip("flask", reason="the web app needs Flask: pip install 'camdigit[web]'")
    from werkzeug.serving import make_server

    from camdigit.core.classifier import DigitClassifier
    from camdigit.core.pipeline import Recognizer
    from camdigit.core.tracking import DigitTracker
    from camdigit.web import LiveFeed, create_app

    feed = LiveFeed(str(SAMPLE_VIDEO), Recognizer(DigitClassifier(), tracker=DigitTracker()))
    app = create_app(Recognizer(DigitClassifier()), live=feed)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    feed.start()
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        feed.stop()
        thread.join(10)


def wait(driver, condition, timeout: float = 30.0):
    """Poll ``condition`` until it holds; an element the page re-rendered between finding it
    and reading it (the live page redraws its list of numbers on every refresh) is looked for
    again at the next poll, not an error."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(
        driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def test_upload_a_photo_and_see_its_numbers(browser, server, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert browser.title == "Upload · camdigit"
    browser.find_element(By.ID, "image-input").send_keys(str(SAMPLE_PHOTO.resolve()))
    assert "1 photo chosen: demo_photo.jpg" in browser.find_element(By.ID, "chosen").text
    browser.find_element(By.ID, "read-photos").click()
    wait(browser, lambda d: d.find_elements(By.ID, "results"))
    cells = browser.find_elements(By.CSS_SELECTOR, "#results th.number")
    read = [cell.text for cell in cells]
    written = written_numbers()["demo_photo.jpg"]
    right = sum((Counter(read) & Counter(written)).values())
    assert right >= 0.75 * len(written), f"read {read}, written {written}"
    image = browser.find_element(By.CSS_SELECTOR, "#results figure img")
    assert (
        wait(
            browser,
            lambda d: d.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth", image
            ),
        )
        == 960
    )
    assert "numbers read:" in image.get_attribute("alt")
    assert browser.find_elements(By.CSS_SELECTOR, "#results ul.digits li")
    assert browser.find_element(By.ID, "upload-error").get_attribute("hidden") is not None
    browser.execute_script("document.getElementById('results').scrollIntoView()")
    browser.save_screenshot(str(artifacts / "web-upload.png"))


def test_too_many_files_are_refused_in_the_page(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    paths = "\n".join([str(SAMPLE_PHOTO.resolve())] * 11)
    browser.find_element(By.ID, "image-input").send_keys(paths)
    browser.find_element(By.ID, "read-photos").click()
    error = browser.find_element(By.ID, "upload-error")
    assert error.is_displayed() and "Too many files: 11 (at most 10" in error.text
    assert not browser.find_elements(By.ID, "results")


def test_draw_a_digit_on_the_pad(browser, server, artifacts):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    pad = browser.find_element(By.ID, "pad")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    browser.find_element(By.ID, "pad-read").click()
    error = browser.find_element(By.ID, "pad-error")
    wait(browser, lambda d: error.is_displayed())
    assert "Draw a digit first" in error.text
    # A one: a stroke down the middle of the pad (offsets from its centre).
    (
        ActionChains(browser)
        .move_to_element_with_offset(pad, 0, -90)
        .click_and_hold()
        .move_by_offset(0, 60)
        .move_by_offset(0, 60)
        .move_by_offset(0, 60)
        .release()
        .perform()
    )
    digit = browser.find_element(By.ID, "pad-digit")
    wait(browser, lambda d: digit.text not in ("", "?"))
    assert digit.text == "1"
    assert browser.find_element(By.ID, "pad-confidence").text.startswith("confidence ")
    assert not error.is_displayed()
    best = browser.find_element(By.CSS_SELECTOR, "#pad-probs li.best .label")
    assert best.text == "1"
    # the best reading's bar is filled on screen, in proportion to its probability
    meter = browser.find_element(By.CSS_SELECTOR, "#pad-probs li.best .meter")
    fill = browser.find_element(By.CSS_SELECTOR, "#pad-probs li.best .fill")
    assert fill.size["height"] >= 0.8 * meter.size["height"] > 0
    assert fill.size["width"] >= 0.5 * meter.size["width"] > 0
    browser.save_screenshot(str(artifacts / "web-pad.png"))


def latest(server: str) -> dict:
    with urllib.request.urlopen(server + "/api/latest", timeout=5) as answer:
        return json.load(answer)


def test_live_page_streams_mjpeg_and_numbers(browser, server, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(server + "/live")
    assert browser.title == "Live · camdigit"
    stream = browser.find_element(By.ID, "stream")
    width = wait(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", stream))
    assert width == 640
    first = latest(server)["seq"]
    time.sleep(1.0)
    assert latest(server)["seq"] > first + 5  # frames keep coming while the page watches
    wait(browser, lambda d: d.find_element(By.ID, "live-fps").text not in ("", "–"))
    frame = browser.find_element(By.ID, "live-frame")
    shown = frame.text
    wait(browser, lambda d: frame.text != shown, timeout=10)  # the readout is refreshed live
    fps = float(browser.find_element(By.ID, "live-fps").text)
    assert 5 < fps < 40  # the sample video plays at its own 15 FPS
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-numbers li:not(.none)"))
    written = set(written_numbers()["demo_video.mp4"])
    seen: set[str] = set()
    wait(
        browser,
        lambda d: (
            seen.update(
                li.text for li in d.find_elements(By.CSS_SELECTOR, "#live-numbers li:not(.none)")
            )
            or len(seen & written) >= 2
        ),
    )
    assert browser.find_element(By.ID, "live-error").get_attribute("hidden") is not None
    browser.save_screenshot(str(artifacts / "web-live.png"))
