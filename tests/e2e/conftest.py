"""Browser tests: Chromium (Debian's, never a downloaded one) driven by Playwright against live_server.

Every e2e test is marked `e2e`, runs against the live server in a thread of this process (so it
shares the database, the cache and Django's locmem outbox), and should call
`assert_page_intact(page)` (stylesheet applied, no failed subresource, no console/CSP error) and
`assert_no_axe_violations(page)` on every page it visits.
"""

import os
import re
from pathlib import Path

# Playwright's sync API runs an event loop in the main thread; the ORM calls a test makes
# (reading the outbox, checking rows) would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest

RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        headless=True,
        args=CHROMIUM_ARGS,
    )
    yield browser
    browser.close()


def _new_page(browser, live_server, width: int, height: int):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    page = context.new_page()
    _watch_problems(page)
    return context, page


# Chromium asks for /favicon.ico on its own; the app doesn't link one. Not a page problem.
_IGNORED_PATHS = ("/favicon.ico",)


def _watch_problems(page) -> None:
    """Record what a member would see as broken: failed subresources and console errors (CSP...)."""
    problems: list[str] = []
    page._yalls_problems = problems

    def on_response(response):
        request = response.request
        if (
            response.status >= 400
            and request.resource_type != "document"
            and not request.url.split("?")[0].endswith(_IGNORED_PATHS)
        ):
            problems.append(f"{response.status} {request.resource_type} {request.url}")

    def on_request_failed(request):
        # ERR_ABORTED is the browser cancelling a load because the page navigated on (a form
        # submit or a redirect): the resource wasn't broken, the page just moved on.
        if "ERR_ABORTED" in (request.failure or ""):
            return
        if request.resource_type != "document" and not request.url.endswith(_IGNORED_PATHS):
            problems.append(f"failed {request.resource_type} {request.url}: {request.failure}")

    def on_console(message):
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            if not where.endswith(_IGNORED_PATHS) and "Failed to load resource" not in message.text:
                problems.append(f"console error: {message.text} ({where})")

    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"uncaught script error: {exc}"))


def _screenshot_on_failure(request, page) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        try:
            page.screenshot(path=str(RESULTS_DIR / f"FAILED-{name}.png"), full_page=True)
        except Exception as exc:  # the screenshot must never hide the real failure
            print(f"could not save failure screenshot: {exc}")


@pytest.fixture
def page(request, browser, live_server, transactional_db, entity_kinds):
    """A fresh browser context (1280x900) per test; a screenshot lands in test-results/ on failure."""
    context, page = _new_page(browser, live_server, 1280, 900)
    yield page
    _screenshot_on_failure(request, page)
    context.close()


@pytest.fixture
def mobile_page(request, browser, live_server, transactional_db, entity_kinds):
    """Like `page`, at a phone's 390x844 viewport."""
    context, page = _new_page(browser, live_server, 390, 844)
    yield page
    _screenshot_on_failure(request, page)
    context.close()


def save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def assert_page_intact(page) -> None:
    """The page's own stylesheet applies, and nothing it loaded failed or logged an error so far."""
    page.wait_for_load_state("load")
    problems = list(getattr(page, "_yalls_problems", []))
    page._yalls_problems.clear()
    styled = page.evaluate(
        """() => [...document.styleSheets].some(sheet => {
            if (!(sheet.href || "").includes("/static/yalls/css/app")) return false;
            try { return sheet.cssRules.length > 0; } catch (e) { return false; }
        })"""
    )
    if not styled:
        problems.insert(0, "the yalls stylesheet (/static/yalls/css/app.css) is not applied")
    if problems:
        pytest.fail(f"page {page.url} is broken:\n- " + "\n- ".join(problems), pytrace=False)


def assert_no_axe_violations(page, *, context=None) -> None:
    """Run axe-core on the current page; fail with a readable list of violations."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page, context=context)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{len(v['nodes'])} node(s)]")
        for node in v["nodes"][:3]:
            target = ", ".join(" ".join(t) if isinstance(t, list) else t for t in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        lines.append(f"    see {v.get('helpUrl')}")
    pytest.fail("\n".join(lines), pytrace=False)
