"""The dataset is built once per data version for every session, with progress reported while it is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import components.data as data
from components.registry import PAGES
from tests.app.conftest import assert_clean, open_page, shown


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


def test_the_data_folder_and_store_are_read_once_per_run_and_again_on_the_next(monkeypatch, mini_dir: Path, tmp_path):
    fresh = tmp_path / "data"
    shutil.copytree(mini_dir, fresh)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(fresh))
    monkeypatch.setenv("PARLEY_CACHE_DIR", str(tmp_path / "cache"))
    reads: list[Path] = []
    real = data._fingerprint
    monkeypatch.setattr(data, "_fingerprint", lambda directory: reads.append(directory) or real(directory))
    at = open_page(PAGES[0])  # "/" is the Overview: one run
    assert_clean(at)
    assert len(reads) == 1  # app.py's call; the page and its header get the same dataset
    first = at.title[0].value
    (fresh / "VERSION").write_text("test.3\n", encoding="utf-8")
    at.run()
    assert_clean(at)
    assert len(reads) == 2 and at.title[0].value == first
    assert "test.3" in shown(" ".join(c.value for c in at.caption))  # the next run sees the new version
