from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.loading import Dataset, load_dataset
from parley.store import STORE_URL_ENV
from tests.mini import write_mini


@pytest.fixture(scope="session")
def mini_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mini(tmp_path_factory.mktemp("mini"))


@pytest.fixture(scope="session")
def mini(mini_dir: Path) -> Dataset:
    return load_dataset(mini_dir)


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    return load_dataset()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    """Print what the bundled record holds, so a reader of the CI log sees it."""
    try:
        from parley.summary import record_summary

        text = record_summary(load_dataset())
    except Exception as err:  # the data tests report the failure itself
        text = f"(record summary unavailable: {err})"
    terminalreporter.section("Parley record summary")
    terminalreporter.write_line(text)


@pytest.fixture(scope="session", autouse=True)
def session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests and the servers they start build their own dataset cache, never touching the project's .parley/cache."""
    path = tmp_path_factory.mktemp("dataset-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARLEY_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="session", autouse=True)
def session_store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Set before any session fixture runs, so an app server started for the browser tests never uses the real store."""
    url = f"sqlite:///{tmp_path_factory.mktemp('session-store') / 'store.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STORE_URL_ENV, url)
        yield url


@pytest.fixture(autouse=True)
def temp_store_url(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test gets its own empty store: no test ever reads or writes the default .parley/store.sqlite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}"
    monkeypatch.setenv(STORE_URL_ENV, url)
    return url
