"""Open the report in a real browser (headless Chromium) and check what it renders.

Skipped, with the reason, when no Chromium binary is found; CI installs Debian's ``chromium``
(see ``.ci/run``). Set ``NORMBENCH_CHROMIUM`` to use another binary.
"""

import base64
import io
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from test_report import _build

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT = 90
# Chromium logs console messages as "...:INFO:CONSOLE(12)] "Uncaught ...", source: ... (12)"
# and failed loads as net::ERR_...; neither may appear for a self-contained page.
_PROBLEMS = re.compile(
    r"Uncaught|:CONSOLE[:(]|net::ERR_|Failed to load resource|Not allowed to load"
)
# Chromium's own background traffic (time sync, component updates, accounts) shows up in the
# net log even in headless mode; any other host was requested by the page.
_CHROMIUM_SERVICE_HOSTS = re.compile(r"^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com)/")


def _chromium():
    explicit = os.environ.get("NORMBENCH_CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason=f"no Chromium binary found (looked for {', '.join(_CANDIDATES)} on PATH and "
    "$NORMBENCH_CHROMIUM); CI installs Debian's chromium in .ci/run",
)


def _run_chromium(profile, url, *mode):
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *mode,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _problems(stderr):
    return [line for line in stderr.splitlines() if _PROBLEMS.search(line)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("browser")
    html_text = _build(tmp_path, datasets=("alpha",))  # one dataset keeps it fast
    report = tmp_path / "out" / "report.html"
    url = report.resolve().as_uri()
    shot = tmp_path / "shot.png"
    screenshot = _run_chromium(
        tmp_path / "profile-shot", url, f"--screenshot={shot}", "--window-size=1280,4000"
    )
    net_log = tmp_path / "net-log.json"
    dom = _run_chromium(tmp_path / "profile-dom", url, "--dump-dom", f"--log-net-log={net_log}")
    requested = re.findall(r'"url":"([^"]*)"', net_log.read_text(errors="replace"))
    return {
        "html": html_text,
        "shot": shot,
        "dom": dom.stdout,
        "stderr": screenshot.stderr + dom.stderr,
        "requested": requested,
    }


def test_screenshot_is_not_blank(rendered):
    shot = rendered["shot"]
    assert shot.is_file() and shot.stat().st_size > 20_000
    with Image.open(shot) as image:
        assert image.size == (1280, 4000)
        pixels = np.asarray(image.convert("RGB"))
    not_white = (pixels < 245).any(axis=2).mean()
    assert not_white > 0.03, f"only {not_white:.1%} of the page is not white"
    colours = np.unique(pixels[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 200  # text, tables and colour maps, not a flat page


def test_dom_has_every_image(rendered):
    html_text, dom = rendered["html"], rendered["dom"]
    sources = re.findall(r'<img src="([^"]*)"', dom)
    assert len(sources) == html_text.count("<img ") > 0
    assert all(source.startswith("data:image/png;base64,") for source in sources)
    for source in sources:  # every embedded image is a decodable, non-empty PNG
        data = base64.b64decode(source.split(",", 1)[1])
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG" and min(image.size) > 50
    assert '<section id="summary">' in dom and '<section id="provenance">' in dom


def test_no_console_errors_or_requests(rendered):
    assert _problems(rendered["stderr"]) == []
    from_page = [
        url
        for url in rendered["requested"]
        if not url.startswith(("file:", "data:")) and not _CHROMIUM_SERVICE_HOSTS.match(url)
    ]
    assert from_page == []


def test_no_external_urls(rendered):
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', rendered["html"])
    assert not [ref for ref in references if re.match(r"(?:https?:)?//", ref)]
    assert not re.search(r"https?://", rendered["dom"].split("<pre>")[0])


def _rendered_image(dom, alt):
    match = re.search(rf'<img src="data:image/png;base64,([^"]*)" alt="{re.escape(alt)}"', dom)
    assert match, f"no image {alt!r} in the rendered page"
    with Image.open(io.BytesIO(base64.b64decode(match.group(1)))) as image:
        return np.asarray(image.convert("RGB"))


def test_group_and_oracle_content_is_rendered(rendered):
    dom = rendered["dom"]
    for section in ("grid", "error", "sparsity", "penalty", "loss", "statistics", "cost"):
        assert f'<section id="{section}">' in dom, section
    # the within-group share figure is drawn: boxes, points and the "kept whole" line
    pixels = _rendered_image(dom, "within-group selected share for alpha")
    assert (pixels < 245).any(axis=2).mean() > 0.02
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    assert re.search(r'<p id="groups-alpha">On alpha, the lasso \(l1\) fits hit', dom)
    # the oracle: a row of the table of medians and the line of the interaction plot
    assert "<td>oracle: least squares</td>" in dom
    assert "The dashed lines are the median risks of the oracles" in dom
