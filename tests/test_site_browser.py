"""The built site in a real browser: headless Chromium (Debian's package) driven by Playwright.

Serves the site on localhost, opens the index and a sample of reports, and
checks that there are no console errors or failed requests, that every image
loads, that local links resolve, that nothing is loaded from the network and
that the filter box filters.  Screenshots go to the site's screenshots/.

The site is reports/ when `make reports` has built it (CI does, before `make
test`); otherwise a small site of a few reports is built here, in a temporary
folder.  Without Chromium the test is skipped, except when the environment
variable CI is set: then it fails, since CI must run it.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest

from analysis import paths
from analysis.report import matrix, methods, runner, site_index
from tests.scratch_site import use_reports_folder

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = bool(os.environ.get("CI"))
#: Reports built for the small site when reports/ holds no built site.
SMALL_SITE = ("africa_working_age", "country_profile-cpv")
#: Anything that would make a page load from the network: an http(s) or protocol-relative URL in a src
#: attribute, in import(…) or in `import … from`, or in a CSS @import.
NETWORK = re.compile(r"""\bsrc\s*=\s*["']?\s*(https?:)?//|\bimport\s*\(\s*["'`]?\s*(https?:)?//"""
                     r"""|\bfrom\s*["'`]\s*(https?:)?//|@import\s+(url\()?\s*["']?\s*(https?:)?//""", re.IGNORECASE)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _require_chromium() -> None:
    if CHROMIUM is not None:
        return
    message = ("no Chromium on this machine: install Debian's chromium package (`apt-get install chromium`) to run "
               "the browser test; .ci/run installs it")
    if IN_CI:
        pytest.fail(f"CI is set but the browser test cannot run: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory, processed_dir) -> Path:
    """The folder of a built site: reports/ after `make reports`, or a small site built here."""
    _require_chromium()
    if (paths.REPORTS / "index.html").exists():
        return paths.REPORTS
    folder = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as patch:
        use_reports_folder(patch, folder)
        runs = matrix.load_matrix()
        with runner.ReportBuilder() as builder:
            for run in runner.find_runs(list(SMALL_SITE), runs):
                builder.build(run)
        site_index.build_index(runs)
        methods.build_methods(target=folder / runner.METHODS_PAGE)  # every report links to it
    if not (folder / "index.html").exists():
        pytest.fail("the small site could not be built", pytrace=False)
    return folder


def _built(site: Path) -> set[str]:
    return {path.name for path in site.glob("*.html") if path.name != "index.html"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(site):
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


def test_index_loads_filters_and_links_resolve(browser, server, site):
    page, problems = _open(browser, server, site / "screenshots" / "index.png")
    assert not problems, problems
    assert "Labour-mobility scenarios" in page.title()
    groups = page.eval_on_selector_all("section h2", "hs => hs.map(h => h.textContent)")
    assert {"Africa supply", "Destinations", "Pathways", "Migration context", "Country profiles"} <= set(groups)
    links = _local_links(page, server)
    reports = {link.rsplit("/", 1)[-1] for link in links if link.endswith(".html")}
    assert reports == _built(site), "the index links exactly the reports that are built"
    for link in links:
        assert _status(link) == 200, link
    cards = page.locator(".card")
    total = cards.count()
    assert total == len(matrix.load_matrix())  # every report of the matrix has a card, built or not
    page.fill("#filter", "Kenya")
    visible = page.locator(".card:not(.hidden)")
    assert 0 < visible.count() < total
    assert "Kenya" in visible.first.inner_text()
    page.screenshot(path=str(site / "screenshots" / "index-filtered.png"))
    page.close()


def test_nothing_is_loaded_from_the_network(site):
    pages = sorted(site.glob("*.html"))
    assert pages
    for page in pages:
        found = NETWORK.search(page.read_text(encoding="utf-8"))
        assert found is None, (page.name, found and found.group(0))


def _sample(site: Path) -> list[str]:
    names = ["africa_working_age", "scenario_comparison", "destination_demand", "skills_partnership", "partnerships",
             "migration_context", "country_profile-nga", "country_profile-cpv"]
    return [name for name in names if (site / f"{name}.html").exists()]


def test_sample_of_reports(browser, server, site):
    sample = _sample(site)
    assert len(sample) >= (5 if site == paths.REPORTS else len(SMALL_SITE)), "expected the sample reports to be built"
    for name in sample:
        url = urljoin(server, f"{name}.html")
        page, problems = _open(browser, url, site / "screenshots" / f"{name}.png")
        assert not problems, (name, problems)
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
        assert images and all(done and width > 0 for done, width in images), (name, images)
        for link in _local_links(page, url):
            assert _status(link) == 200, (name, link)
        banner = page.eval_on_selector_all("nav a", "links => links.map(a => a.getAttribute('href'))")
        assert banner[:2] == ["index.html", "methods.html"], (name, banner)  # both resolve (checked above)
        downloads = page.eval_on_selector_all("a[download]", "links => links.map(a => a.href.slice(0, 22))")
        assert downloads and all(href.startswith("data:text/csv") for href in downloads), (name, downloads)
        text = page.inner_text("body")
        assert "Sources" in text and "Provenance" in text, name
        page.close()
