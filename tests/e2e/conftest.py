"""Real-browser fixtures: the app served by `streamlit run` on a local port, driven by Debian's Chromium.

Without Chromium the browser tests are skipped, except in CI (CI=true), where a missing browser fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import CHROMIUM_ARGS, VIEWPORT, Server, find_chromium, streamlit_server
from tests.mini import write_mini

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    """The system Chromium; its absence skips the browser tests locally and fails them in CI."""
    path = find_chromium()
    if path is None:
        reason = "Chromium not found (/usr/bin/chromium or `chromium` on PATH); install it: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}. CI=true: browser tests must run, so this fails the run.", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, chromium: str) -> dict:
    # `playwright install` cannot download a browser here; `--browser-channel` cannot point at a path.
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": VIEWPORT, "accept_downloads": True}


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on the bundled dataset, with a throwaway store."""
    with streamlit_server(tmp_path_factory.mktemp("e2e-app")) as server:
        yield server


@pytest.fixture(scope="session")
def mini_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on the hand-made mini dataset, whose texts carry markup and formulas."""
    data = write_mini(tmp_path_factory.mktemp("e2e-mini-data"))
    with streamlit_server(tmp_path_factory.mktemp("e2e-mini"), data_dir=data) as server:
        yield server


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server nobody has visited yet (Streamlit behaves differently on a server's first request)."""
    with streamlit_server(tmp_path / "fresh") as server:
        yield server


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
