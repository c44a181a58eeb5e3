"""The dataset is built once per data version for every session, with progress reported while it is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import components.data as data
from components.registry import PAGES
from tests.app.conftest import assert_clean, open_page


def test_one_build_per_data_version_shared_by_sessions(monkeypatch, mini_dir: Path, tmp_path: Path):
    fresh = tmp_path / "data"
    shutil.copytree(mini_dir, fresh)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(fresh))
    monkeypatch.setenv("PARLEY_CACHE_DIR", str(tmp_path / "cache"))
    builds: list[list[float]] = []
    real = data.load_dataset

    def counting(directory, store, *, progress=None):
        steps: list[float] = []
        builds.append(steps)

        def report(done: float, text: str) -> None:
            steps.append(done)
            if progress is not None:
                progress(done, text)

        return real(directory, store, progress=report)

    monkeypatch.setattr(data, "load_dataset", counting)
    for _ in range(2):  # two sessions, one after the other
        assert_clean(open_page(PAGES[0]))
    assert len(builds) == 1
    assert builds[0][-1] == 1.0 and builds[0] == sorted(builds[0])

    (fresh / "VERSION").write_text("test.2\n", encoding="utf-8")  # a new data version is built again
    assert_clean(open_page(PAGES[0]))
    assert len(builds) == 2


def test_a_new_dataset_is_frozen_out_of_the_collectors_reach(monkeypatch, mini_dir: Path, tmp_path: Path):
    """Streamlit's after-run collection is off (.streamlit/config.toml); Python's own full collections must not
    walk the loaded data either, or every rerun pays for the data's size."""
    import gc

    fresh = tmp_path / "data"
    shutil.copytree(mini_dir, fresh)  # a data version no earlier test has loaded in this process
    monkeypatch.setenv(data.DATA_DIR_ENV, str(fresh))
    monkeypatch.setenv("PARLEY_CACHE_DIR", str(tmp_path / "cache"))
    gc.unfreeze()
    try:
        at = open_page(PAGES[0])
        assert_clean(at)
        dataset = next(d for k, d in data._loaded().entries.items() if k.startswith(str(fresh)))
        assert gc.get_freeze_count() > 0
        assert not any(o is dataset for o in gc.get_objects()), "the dataset is frozen, out of every generation"
    finally:
        gc.unfreeze()
