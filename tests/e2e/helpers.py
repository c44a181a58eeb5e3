"""Driving the real app in Chromium: start a server, wait for Streamlit to settle, use the sidebar, watch the page.

Shared by the end-to-end tests and benchmarks/browser_bench.py, so both start and read the app the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import Download, Locator, Page, expect

from components.registry import PAGES, PageEntry

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# `playwright install` cannot download here, so the tests drive Debian's chromium with these flags.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
STORE_ENV, DATA_ENV = "PARLEY_STORE_URL", "PARLEY_DATA_DIR"

# Streamlit's frontend, opened on a page's own path, first probes <path>/_stcore/health and /host-config to find the
# server's base path; the two 404s reach the console. Upstream: https://github.com/streamlit/streamlit/issues/7074
_BASE_PATH_PROBE = re.compile(r"^https?://(127\.0\.0\.1|localhost)(:\d+)?/[^/?#]+/_stcore/(health|host-config)$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# The app is settled when Streamlit is connected and its script is not running (the status widget is idle).
IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'


def find_chromium() -> str | None:
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    return shutil.which("chromium")


# ---- the server ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:<port>
    log: Path

    def url(self, entry: PageEntry, query: Mapping[str, list[str]] | None = None) -> str:
        return self.base + page_path(entry) + (query_string(query) if query else "")


def page_path(entry: PageEntry) -> str:
    """The default page lives at "/": Streamlit ignores its url_path ("/overview" opens "Page not found")."""
    return "/" if entry == PAGES[0] else f"/{entry.url_path}"


def query_string(query: Mapping[str, list[str]]) -> str:
    return "?" + urlencode(query, doseq=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(
    workdir: Path,
    data_dir: Path | None = None,
    timeout: float = 60.0,
    store_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """`streamlit run app.py` on a free local port, with a throwaway store (and optionally other data).

    `store_url` shares a store between servers (two replicas on one PostgreSQL database); `env` adds variables."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server_env = {k: v for k, v in os.environ.items() if k not in (STORE_ENV, DATA_ENV)}
    server_env[STORE_ENV] = store_url or f"sqlite:///{(workdir / 'store.sqlite').resolve()}"
    if data_dir is not None:
        server_env[DATA_ENV] = str(data_dir)
    server_env.update(env or {})
    command = [
        sys.executable,  # the venv's python when run as `.venv/bin/python -m pytest`
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        # Edits elsewhere in the tree must not put a "source changed" prompt into a running test.
        "--server.fileWatcherType",
        "none",
    ]
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, base, log, timeout)
        yield Server(base=base, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(process: subprocess.Popen, base: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"streamlit did not answer {base}/_stcore/health within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


# ---- watching a page -------------------------------------------------------------------------------------------
@dataclass
class Watch:
    """Everything a page did that a user should never see: console errors, uncaught errors, dialogs, and requests
    to other machines."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Watch:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket_: self.requests.append(socket_.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self._dialog)
        return self

    def _console(self, message) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if "404" in message.text and _BASE_PATH_PROBE.match(where):
            return
        self.console_errors.append(f"{message.text} (at {where})")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    @property
    def remote_requests(self) -> list[str]:
        return [url for url in self.requests if not is_local(url)]

    def assert_clean(self) -> None:
        assert not self.remote_requests, f"requests left the machine: {self.remote_requests}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return (parts.hostname or "") in _LOCAL_HOSTS


# ---- reading and driving the app -------------------------------------------------------------------------------
def wait_idle(page: Page, timeout: float = 30_000) -> None:
    page.locator(IDLE).wait_for(timeout=timeout)


def open_page(page: Page, url: str, title: str) -> None:
    """Go to a URL and wait until the page title is shown and the script has finished."""
    page.goto(url)
    wait_title(page, title)


def wait_title(page: Page, title: str, timeout: float = 30_000) -> None:
    page.get_by_role("heading", level=1, name=title, exact=True).wait_for(timeout=timeout)
    wait_idle(page, timeout)


def nav_link(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def nav_titles(page: Page) -> list[str]:
    """The page names in the sidebar navigation, without their icons."""
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    return [text.strip().splitlines()[-1].strip() for text in links]


def _multiselect(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMultiSelect").filter(has=page.get_by_role("combobox", name=label, exact=True))


def choose(page: Page, label: str, options: list[str]) -> None:
    """Pick options in a sidebar multiselect by their visible names, then close the list."""
    page.get_by_role("combobox", name=label, exact=True).click()
    for option in options:
        page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def expect_chosen(page: Page, label: str, values: list[str]) -> None:
    """The multiselect shows exactly these chips (they are drawn a moment after the script run ends)."""
    expect(_multiselect(page, label).locator("[data-tag]")).to_have_text(values)


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_for_query(page: Page, expected: dict[str, list[str]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while query(page) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"URL {page.url} never held {expected}")
        page.wait_for_timeout(50)


def _after_heading(page: Page, heading: str, testid: str, predicate: str) -> Locator:
    """The first element with `testid` (matching an XPath predicate) in the section under the subheading `heading`.

    The element's nearest heading above must be `heading`: the browser mounts some elements (download buttons) a
    second or more after the script has finished, and "the first one after the heading" would then be the next
    section's."""
    return page.locator(
        f'xpath=//*[@data-testid="stHeading"][normalize-space(.)="{heading}"]'
        f'/following::*[@data-testid="{testid}"][{predicate}]'
        f'[preceding::*[@data-testid="stHeading"][1][normalize-space(.)="{heading}"]][1]'
    )


def rows_caption(page: Page, heading: str) -> Locator:
    """The "N row(s)" caption under the table below `heading`."""
    return _after_heading(page, heading, "stCaptionContainer", 'contains(., "row(s)") or contains(., " rows")')


def row_count(page: Page, heading: str) -> int:
    text = rows_caption(page, heading).inner_text()
    match = re.search(r"([\d,]+) row", text) or re.search(r"of ([\d,]+) rows", text)
    assert match, f"no row count in {text!r}"
    return int(match.group(1).replace(",", ""))


def download_button(page: Page, heading: str, label: str) -> Locator:
    """The app's own download button ("Download CSV", "PNG", "SVG") first below the subheading `heading`."""
    return _after_heading(page, heading, "stDownloadButton", f'contains(normalize-space(.), "{label}")')


def download(page: Page, button: Locator) -> tuple[str, bytes]:
    # A click during a rerun can reach a button whose file id the server has already given to another element.
    wait_idle(page)
    with page.expect_download() as info:
        button.click()
    done: Download = info.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def full_page_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main pane, not the document: grow the viewport to the pane, shoot, restore."""
    size = page.viewport_size or VIEWPORT
    height = page.get_by_test_id("stMain").evaluate("e => e.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
    try:
        page.wait_for_timeout(300)  # charts re-measure their container
        wait_idle(page)
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(size)
