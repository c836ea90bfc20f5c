"""Open the report in a real browser and use it as a reader would.

Debian's ``chromium`` and ``chromium-driver`` driven through ``selenium`` (``make browser``
installs them; selenium is in the test extras). Skipped, with the reason, when any of the three
is missing. Checks, at a 1400 x 900 window: the answer is on the first screen, the page with
every ``<details>`` closed fits in ten screens, the results table sorts on a click and filters
on typing, and the page logs no console error and requests nothing but itself and data: URIs.
A second page, drawn as a study of more scenarios than are listed (the blocks hidden until one
is picked), is picked from by mouse, keyboard and links.
"""

import base64
import io
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image
from test_report import DATASETS, _build

from normbench.report import html

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Debian's chromium and chromium-driver are needed (`make browser` installs them)",
)

WIDTH, HEIGHT = 1400, 900
MAX_SCREENS = 10


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("browser")
    html_text = _build(tmp_path)  # the fixtures' small study: 2 datasets x 3 replicates
    return html_text, (tmp_path / "out" / "report.html").resolve()


def _driver(profile, *, javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    if not javascript:
        prefs = {"profile.managed_default_content_settings.javascript": 2}
        options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(WIDTH, HEIGHT)
    return driver


@pytest.fixture(scope="module")
def browser(report, tmp_path_factory):
    driver = _driver(tmp_path_factory.mktemp("profile"))
    try:
        driver.get(report[1].as_uri())
        # the every-fit table is unpacked by the page's script after the page has loaded
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script(
                "return document.getElementById('results-table').dataset.ready === 'yes';"
            )
        )
        yield driver
    finally:
        driver.quit()


def _viewport_height(driver):
    return driver.execute_script("return window.innerHeight")


def test_answer_is_on_the_first_screen(browser):
    found = browser.find_elements(By.ID, "answer")
    assert found, "no element with id 'answer'"
    top = browser.execute_script(
        "return arguments[0].getBoundingClientRect().top + window.scrollY", found[0]
    )
    assert top < _viewport_height(browser), f"the answer starts at {top} px"


def test_the_recommendation_table_is_on_the_first_screen_and_nothing_is_tied(browser):
    browser.execute_script("window.scrollTo(0, 0);")
    found = browser.find_elements(By.ID, "recommendation")
    assert found, "no recommendation table"
    top = browser.execute_script(
        "return arguments[0].getBoundingClientRect().top + window.scrollY", found[0]
    )
    assert top < _viewport_height(browser), f"the recommendation table starts at {top} px"
    assert found[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true);")
    text = browser.find_element(By.TAG_NAME, "body").text.lower()
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = false);")
    assert not re.search(r"\btied\b", text)


def test_the_scenario_control_shows_one_scenario_in_every_per_scenario_block(browser):
    from selenium.webdriver.support.ui import Select

    control = browser.find_element(By.ID, "scenario-select")
    blocks = "return Array.from(document.querySelectorAll('[data-scenario]'))"
    scenarios = browser.execute_script(blocks + ".map(b => b.dataset.scenario);")
    # one block per scenario, all in the By scenario section
    assert len(set(scenarios)) >= 2 and len(scenarios) == len(set(scenarios))
    inside = browser.execute_script(blocks + ".every(b => b.closest('#by-scenario') !== null);")
    assert inside
    options = [o.get_attribute("value") for o in Select(control).options]
    assert options[0] == "" and set(options[1:]) == set(scenarios)
    visible = blocks + ".filter(b => b.offsetParent !== null).map(b => b.dataset.scenario);"
    for chosen in scenarios:
        Select(control).select_by_value(chosen)
        assert browser.execute_script(visible) == [chosen]
    # keyboard: the control is a plain select, reachable and changed from the keyboard
    control.send_keys(Keys.HOME)
    assert browser.execute_script(visible) == scenarios


def test_page_fits_in_ten_screens_with_details_closed(browser):
    height = browser.execute_script(
        "document.querySelectorAll('details').forEach(function (d) { d.open = false; });"
        "return document.documentElement.scrollHeight;"
    )
    assert browser.find_elements(By.TAG_NAME, "details"), "no <details> on the page"
    assert height <= MAX_SCREENS * HEIGHT, f"page is {height} px tall"


def test_figures_are_not_scaled_down(browser):
    """Every image is displayed at 90 % of its drawn width or more (legible text)."""
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true);")
    ratios = browser.execute_script(
        "return Array.from(document.images).filter(i => i.naturalWidth > 0)"
        ".map(i => i.getBoundingClientRect().width / i.naturalWidth);"
    )
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = false);")
    assert ratios and min(ratios) >= 0.9, sorted(ratios)[:5]


def _column(driver, index):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#results-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.cells[arguments[0]].textContent);",
        index,
    )


def test_results_table_sorts_on_a_click(browser):
    headers = browser.find_elements(By.CSS_SELECTOR, "#results-table thead th")
    names = [header.text.strip() for header in headers]
    index = names.index("risk")
    browser.execute_script("arguments[0].scrollIntoView();", headers[index])
    headers[index].click()
    values = [float(v) for v in _column(browser, index) if v != "n/a"]
    assert values == sorted(values) and len(set(values)) > 1
    headers[index].click()  # again: descending
    values = [float(v) for v in _column(browser, index) if v != "n/a"]
    assert values == sorted(values, reverse=True)
    assert headers[index].get_attribute("aria-sort") == "descending"


def test_results_table_filters_on_typing(browser):
    rows_before = len(_column(browser, 0))
    box = browser.find_element(By.CSS_SELECTOR, 'input.table-filter[data-table="results-table"]')
    box.send_keys("beta")
    kept = _column(browser, 0)
    assert 0 < len(kept) < rows_before and set(kept) == {"beta"}
    shown = browser.find_element(By.ID, "results-shown").text
    assert int(shown) == len(kept)
    box.clear()
    box.send_keys(" ")  # an input event with an empty filter shows every row again
    assert len(_column(browser, 0)) == rows_before


def test_download_link_is_the_metrics_file(report, browser):
    link = browser.find_element(By.CSS_SELECTOR, 'a[download="metrics.csv"]')
    assert link.is_displayed() and link.get_attribute("href").startswith("blob:")
    # the bytes the link downloads, read by the page itself (a blob: URL lives in the page)
    encoded = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0].href).then(r => r.arrayBuffer()).then(b => {"
        "  var s = ''; new Uint8Array(b).forEach(x => { s += String.fromCharCode(x); });"
        "  done(btoa(s)); });",
        link,
    )
    metrics_csv = report[1].parent.parent / "report.html.metrics.csv"
    assert base64.b64decode(encoded) == metrics_csv.read_bytes()
    csv_text = metrics_csv.read_text(encoding="utf-8")
    assert len(csv_text.splitlines()) - 1 == len(_column(browser, 0))


def test_first_screen_is_not_blank(browser):
    browser.execute_script("window.scrollTo(0, 0);")
    with Image.open(io.BytesIO(browser.get_screenshot_as_png())) as image:
        pixels = np.asarray(image.convert("RGB"))
    assert (pixels < 245).any(axis=2).mean() > 0.03


def test_no_console_errors(browser):
    problems = [
        entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")
    ]
    assert problems == []


def test_no_network_requests(browser):
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested, "the performance log recorded no request at all"
    # chrome:// and the like are Chromium's own pages (the start page before the report
    # loads), served from inside the browser; blob: URLs are the page's own memory (the unpacked
    # metrics file); anything else would have left the machine
    internal = ("chrome:", "chrome-untrusted:", "about:", "devtools:", "blob:")
    from_page = [url for url in requested if not url.startswith(("file:", "data:", *internal))]
    assert from_page == []
    assert any(url.startswith("file:") and url.endswith("report.html") for url in requested)


def test_no_external_urls(report):
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', report[0])
    assert not [ref for ref in references if re.match(r"(?:https?:)?//", ref)]


# ----------------------------------------------------------------- a study of many scenarios


@pytest.fixture(scope="module")
def picked_report(tmp_path_factory):
    """The fixtures' study drawn as if it had more scenarios than the page lists."""
    tmp_path = tmp_path_factory.mktemp("picked")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(html, "SCENARIOS_LISTED", 1)
        _build(tmp_path)
    return (tmp_path / "out" / "report.html").resolve()


@pytest.fixture(scope="module")
def picked_browser(picked_report, tmp_path_factory):
    driver = _driver(tmp_path_factory.mktemp("profile"))
    try:
        driver.get(picked_report.as_uri())
        yield driver
    finally:
        driver.quit()


_BLOCKS = "return Array.from(document.querySelectorAll('[data-scenario]'))"
_SHOWN = _BLOCKS + ".filter(b => b.offsetParent !== null).map(b => [b.dataset.scenario, b.open]);"


def _section_height(driver):
    return driver.execute_script(
        "document.querySelectorAll('details').forEach(d => d.open = false);"
        "return document.getElementById('by-scenario').getBoundingClientRect().height;"
    )


def test_many_scenarios_show_no_block_until_one_is_picked(picked_browser):
    from selenium.webdriver.support.ui import Select

    scenarios = picked_browser.execute_script(_BLOCKS + ".map(b => b.dataset.scenario);")
    assert len(scenarios) >= 2
    assert picked_browser.execute_script(_SHOWN) == []
    for control in ("scenario-pick", "scenario-select"):
        chosen = Select(picked_browser.find_element(By.ID, control)).first_selected_option
        assert chosen.get_attribute("value") == ""
        assert chosen.text == f"none: pick one of {len(scenarios)}"
    # the section is a few lines, whatever the number of scenarios
    assert _section_height(picked_browser) < HEIGHT


def test_picking_a_scenario_shows_its_block_open_and_only_it(picked_browser):
    from selenium.webdriver.support.ui import Select

    scenarios = picked_browser.execute_script(_BLOCKS + ".map(b => b.dataset.scenario);")
    pick = picked_browser.find_element(By.ID, "scenario-pick")
    for chosen in scenarios:
        Select(pick).select_by_value(chosen)
        assert picked_browser.execute_script(_SHOWN) == [[chosen, True]]
        # the control at the top of the page says the same
        top = Select(picked_browser.find_element(By.ID, "scenario-select"))
        assert top.first_selected_option.get_attribute("value") == chosen
    # picked at the top of the page, the block is brought into view
    browser_top = picked_browser.find_element(By.ID, "scenario-select")
    picked_browser.execute_script("window.scrollTo(0, 0);")
    Select(browser_top).select_by_value(scenarios[0])  # the loop left the last one picked
    block = picked_browser.find_element(By.ID, f"scenario-{scenarios[0]}")
    top = picked_browser.execute_script("return arguments[0].getBoundingClientRect().top;", block)
    assert -1 <= top < _viewport_height(picked_browser)
    # keyboard: back to none with Home, then the next scenario with the down arrow
    pick.send_keys(Keys.HOME)
    assert picked_browser.execute_script(_SHOWN) == []
    pick.send_keys(Keys.ARROW_DOWN)
    assert picked_browser.execute_script(_SHOWN) == [[scenarios[0], True]]
    pick.send_keys(Keys.HOME)


def test_a_link_to_a_hidden_scenario_shows_it(picked_browser, picked_report):
    scenarios = picked_browser.execute_script(_BLOCKS + ".map(b => b.dataset.scenario);")
    last = scenarios[-1]
    # the section's list of links, opened and followed from the keyboard
    listing = picked_browser.find_element(
        By.XPATH, "//section[@id='by-scenario']//summary[contains(., 'as links')]"
    )
    listing.click()
    link = picked_browser.find_element(
        By.CSS_SELECTOR, f'ul.scenario-links a[href="#scenario-{last}"]'
    )
    link.send_keys(Keys.ENTER)
    WebDriverWait(picked_browser, 5).until(lambda d: d.execute_script(_SHOWN) == [[last, True]])
    block = picked_browser.find_element(By.ID, f"scenario-{last}")
    top = picked_browser.execute_script("return arguments[0].getBoundingClientRect().top;", block)
    assert -1 <= top < _viewport_height(picked_browser)  # scrolled to it (to a pixel)
    # picking another scenario then hides it, though the address still names it
    from selenium.webdriver.support.ui import Select

    Select(picked_browser.find_element(By.ID, "scenario-select")).select_by_value(
        first := scenarios[0]
    )
    assert picked_browser.execute_script(_SHOWN) == [[first, True]]
    Select(picked_browser.find_element(By.ID, "scenario-pick")).select_by_value("")
    assert picked_browser.execute_script(_SHOWN) == []
    # a page opened at a link into a block (its findings' heading) shows that block
    picked_browser.get(picked_report.as_uri() + f"#statistics-{first}")
    WebDriverWait(picked_browser, 5).until(lambda d: d.execute_script(_SHOWN) == [[first, True]])
    # an address that is no id (a malformed escape): nothing changes, and no error (the console
    # test reads the log)
    picked_browser.get(picked_report.as_uri() + "#%E0%A4%A")
    assert picked_browser.execute_script(_SHOWN) == [[first, True]]


def test_without_the_script_a_link_still_shows_its_scenario(picked_report, tmp_path_factory):
    driver = _driver(tmp_path_factory.mktemp("profile"), javascript=False)
    try:
        scenario = DATASETS[-1]
        driver.get(picked_report.as_uri() + f"#scenario-{scenario}")
        # the page's own script did not run (the test's scripts still do)
        assert "scripted" not in driver.execute_script("return document.documentElement.className")
        assert [name for name, _ in driver.execute_script(_SHOWN)] == [scenario]
    finally:
        driver.quit()


def test_the_recommendation_of_many_scenarios_is_a_box_that_scrolls_and_filters(picked_browser):
    picked_browser.execute_script("window.scrollTo(0, 0);")
    box = picked_browser.find_element(By.CSS_SELECTOR, "#recommendation .table-scroll")
    table = box.find_element(By.ID, "recommendation-table")
    # the box is at most 20 rem (20 x 16 px) tall, whatever the number of rows
    assert box.size["height"] <= 20 * 16 + 2
    assert box.get_attribute("tabindex") == "0"  # focusable: scrolled from the keyboard
    rows = "return Array.from(arguments[0].tBodies[0].rows).filter(r => !r.hidden).length;"
    every = picked_browser.execute_script(rows, table)
    scenarios = picked_browser.execute_script(_BLOCKS + ".map(b => b.dataset.scenario);")
    assert every >= len(scenarios)
    # the text of a cell that only one row holds (a scenario's words may be in another's)
    words = picked_browser.execute_script(
        "var rows = Array.from(arguments[0].tBodies[0].rows).map(r => r.textContent);"
        "var cells = Array.from(arguments[0].tBodies[0].querySelectorAll('td'))"
        "  .map(c => c.textContent.trim()).filter(t => t !== '');"
        "return cells.find(t => rows.filter(r => r.indexOf(t) !== -1).length === 1);",
        table,
    )
    assert words, "no cell tells one row from the others"
    search = picked_browser.find_element(
        By.CSS_SELECTOR, 'input.table-filter[data-table="recommendation-table"]'
    )
    search.send_keys(words)
    kept = picked_browser.execute_script(rows, table)
    assert 0 < kept < every
    assert picked_browser.find_element(By.ID, "recommendation-shown").text == str(kept)
    search.clear()
    search.send_keys(" ")
    assert picked_browser.execute_script(rows, table) == every


def test_the_page_of_many_scenarios_logs_no_console_error(picked_browser):
    problems = [
        entry
        for entry in picked_browser.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING")
    ]
    assert problems == []
