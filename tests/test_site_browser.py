"""The built site in a real browser: headless Chromium (Debian's package) driven by Playwright.

Serves reports/ on localhost, opens the index and a sample of reports, and
checks that there are no console errors or failed requests, that every image
loads, that local links resolve and that the filter box filters.  Screenshots
go to reports/screenshots/.  Skipped, with the reason, when there is no
Chromium or no built site.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest

from analysis import paths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INDEX = paths.REPORTS / "index.html"
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine: install Debian's chromium package "
                       "(`apt-get install chromium`) to run the browser test; .ci/run installs it"),
    pytest.mark.skipif(not INDEX.exists(), reason="the site is not built: run `make reports` first"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(paths.REPORTS))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str, screenshot: Path):
    """Load a page and return it with the console errors and failed requests seen."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
    page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    page.goto(url, wait_until="load")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=False)
    return page, problems


def _local_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    return sorted({urljoin(base, h).split("#")[0] for h in hrefs
                   if not h.startswith(("http://", "https://", "data:", "mailto:", "#"))})


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def test_index_loads_filters_and_links_resolve(browser, server):
    page, problems = _open(browser, server, paths.REPORTS / "screenshots" / "index.png")
    assert not problems, problems
    assert "Labour-mobility scenarios" in page.title()
    groups = page.eval_on_selector_all("section h2", "hs => hs.map(h => h.textContent)")
    assert {"Africa supply", "Destinations", "Pathways", "Migration context", "Country profiles"} <= set(groups)
    links = _local_links(page, server)
    assert len(links) >= 70
    for link in links:
        assert _status(link) == 200, link
    cards = page.locator(".card")
    total = cards.count()
    page.fill("#filter", "Kenya")
    visible = page.locator(".card:not(.hidden)")
    assert 0 < visible.count() < total
    assert "Kenya" in visible.first.inner_text()
    page.screenshot(path=str(paths.REPORTS / "screenshots" / "index-filtered.png"))
    page.close()


def _sample(server) -> list[str]:
    names = ["africa_working_age", "scenario_comparison", "destination_demand", "skills_partnership", "partnerships",
             "migration_context", "country_profile-nga", "country_profile-cpv"]
    return [name for name in names if (paths.REPORTS / f"{name}.html").exists()]


def test_sample_of_reports(browser, server):
    sample = _sample(server)
    assert len(sample) >= 5, "expected the sample reports to be built"
    for name in sample:
        url = urljoin(server, f"{name}.html")
        page, problems = _open(browser, url, paths.REPORTS / "screenshots" / f"{name}.png")
        assert not problems, (name, problems)
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
        assert images and all(done and width > 0 for done, width in images), (name, images)
        for link in _local_links(page, url):
            assert _status(link) == 200, (name, link)
        downloads = page.eval_on_selector_all("a[download]", "links => links.map(a => a.href.slice(0, 22))")
        assert downloads and all(href.startswith("data:text/csv") for href in downloads), (name, downloads)
        text = page.inner_text("body")
        assert "Sources" in text and "Provenance" in text, name
        page.close()
