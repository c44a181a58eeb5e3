from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
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


# -- the store suite runs against SQLite and a real PostgreSQL server -------------------------------------------

STORE_BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that asks for a store URL (any_store_url, store_url_for) runs once per backend, unless marked for one."""
    if "store_backend" in metafunc.fixturenames:
        backends = STORE_BACKENDS
        if metafunc.definition.get_closest_marker("sqlite_only"):
            backends = ("sqlite",)
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = ("postgresql",)
        metafunc.parametrize("store_backend", backends, indirect=True)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One PostgreSQL server for the whole run, in a temporary folder. Without PostgreSQL installed its tests skip,
    except in CI (CI=true), where they must run and a missing server fails the run."""
    from tests import pg

    try:
        server = pg.start_server()
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or ""
        reason = f"the PostgreSQL store tests need a PostgreSQL server: {err} {detail}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}. CI=true: the PostgreSQL tests must run, so this fails the run.", pytrace=False)
        pytest.skip(reason)
    yield server
    server.cleanup()


@pytest.fixture
def store_url_for(store_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """The URL of an empty store of this test's backend, by name: the same name gives the same store."""
    urls: dict[str, str] = {}
    server = request.getfixturevalue("pg_server") if store_backend == "postgresql" else None

    def url_for(name: str = "store") -> str:
        if name not in urls:
            if server is None:
                urls[name] = f"sqlite:///{tmp_path / 'stores' / name / 'store.sqlite'}"
            else:
                urls[name] = server.new_database(name)  # type: ignore[attr-defined]
        return urls[name]

    return url_for


@pytest.fixture
def any_store_url(store_url_for: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """This test's empty store on SQLite or PostgreSQL, set as PARLEY_STORE_URL."""
    url = store_url_for("store")
    monkeypatch.setenv(STORE_URL_ENV, url)
    return url
