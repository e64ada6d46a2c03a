"""Browser journeys: Debian's headless Chromium, one per run of the journeys, a fresh context
per test, and on every page an axe-core check and a look at the console."""

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Violations of these impacts fail a journey; minor and moderate ones are left to review.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
TIMEOUT_MS = 10_000
# Chromium's console line for a page answered with an error status.
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")

AXE = Axe()
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: `make e2e-deps` installs it")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Kept so that a journey's teardown knows whether to photograph the failure.
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@dataclass
class Tab:
    """One browser tab on the live server, checking each page it shows."""

    page: Page
    name: str
    screenshots: Path
    save_every_page: bool
    problems: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)
    shots: int = 0

    def listen(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        failed = FAILED_LOAD.search(message.text)
        if failed and int(failed.group(1)) in self.expected_statuses:
            return
        # Content-Security-Policy violations are reported here too.
        self.problems.append(f"console error at {message.location.get('url')}: {message.text}")

    def check(self, label: str) -> None:
        """The page on screen has no serious or critical accessibility violation, and nothing
        went wrong in the console; saves a screenshot when E2E_SCREENSHOTS is set."""
        self.page.wait_for_load_state("load")
        if self.save_every_page:
            self.screenshot(label)
        violations = [
            violation
            for violation in AXE.run(self.page).response["violations"]
            if violation["impact"] in BLOCKING_IMPACTS
        ]
        assert not violations, _describe(label, self.page.url, violations)
        assert not self.problems, f"{label} ({self.page.url}):\n" + "\n".join(self.problems)

    def screenshot(self, label: str) -> Path:
        self.shots += 1
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


def _describe(label: str, url: str, violations: list[dict]) -> str:
    lines = [f"accessibility violations on {label} ({url}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}: {node['html'][:200]}" for node in violation["nodes"]]
    return "\n".join(lines)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running in this thread while it is open,
    # and Django refuses database calls from a thread with a running loop unless told that
    # it is safe: here it is, as the test and the live server only ever block on the browser.
    # The browser closes with the last journey, so the rest of the suite runs without it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def browse(browser, live_server, request) -> Iterator[Callable[..., Tab]]:
    """Opens a tab in a fresh browser context on the live server:
    ``browse("manager-desktop", viewport={"width": 1366, "height": 900})``."""
    contexts, tabs = [], []
    screenshots = request.config.rootpath / "e2e-screenshots"

    def open_tab(name: str, **context_options) -> Tab:
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = Tab(
            page=context.new_page(),
            name=f"{request.node.name}-{name}",
            screenshots=screenshots,
            save_every_page=bool(os.environ.get("E2E_SCREENSHOTS")),
        )
        tab.listen()
        tabs.append(tab)
        return tab

    yield open_tab
    call = request.node.stash.get(REPORTS, {}).get("call")
    if call is not None and call.failed:
        for tab in tabs:
            tab.screenshot("failure")
    # Whatever a page still loads (a lazy photo) is answered before the test's settings
    # and database go: no request may reach the live server after the journey.
    for tab in tabs:
        with contextlib.suppress(PlaywrightError):
            tab.page.wait_for_load_state("networkidle", timeout=5_000)
    for context in contexts:
        context.close()
