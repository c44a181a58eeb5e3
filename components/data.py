"""Cached access to the dataset: loaded and validated once per data version and store revision, for all sessions."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from components.filters import K_SEEDED
from parley.loading import DEFAULT_DATA_DIR, Dataset, load_dataset
from parley.store import Store, StoreError, store_url
from parley.validation import DataValidationError

DATA_DIR_ENV = "PARLEY_DATA_DIR"
_LOADED = "data.loaded_key"


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def _fingerprint(directory: Path) -> str:
    """Changes whenever a data file changes, so an edited file is re-validated without a restart."""
    parts = []
    for path in sorted(directory.glob("*")):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


@st.cache_resource(max_entries=4)
def _store(url: str) -> Store:
    return Store(url)


def get_store() -> Store:
    """The store of imported records (PARLEY_STORE_URL), one shared object per URL."""
    return _store(store_url())


# cache_resource, not cache_data: one shared read-only object instead of a pickled copy on every rerun.
# The store revision is part of the key, so an import or undo shows on every page and in every session at once.
@st.cache_resource(show_spinner="Loading and checking the data…", max_entries=2)
def _load(directory: str, fingerprint: str, revision: str, _store: Store) -> Dataset:
    return load_dataset(Path(directory), _store)


def get_dataset() -> Dataset:
    """The dataset, or a clear message naming file, row, column and rule — and the page stops there."""
    directory = data_dir()
    store = get_store()
    try:
        fingerprint, revision = _fingerprint(directory), store.revision()
        key = f"{directory}|{fingerprint}|{revision}"
        if st.session_state.get(_LOADED, key) != key:
            st.session_state[K_SEEDED] = False  # re-seed the filters from the URL: a full date range takes in new dates
        st.session_state[_LOADED] = key
        return _load(str(directory), fingerprint, revision, store)
    except StoreError as err:
        st.error(f"The store of imported records could not be read: {err}", icon="🛑")
        st.stop()
        raise  # unreachable: st.stop() ends the run
    except DataValidationError as err:
        st.error(
            f"The data in {directory} could not be loaded: {len(err.problems)} problem(s) found. "
            "Nothing was changed; fix the files below and reload the page. A problem in an imported record names "
            "its batch: `python -m parley undo BATCH_ID` removes it.",
            icon="🛑",
        )
        st.dataframe(
            [
                {"file": p.file, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule}
                for p in err.problems[:500]
            ],
            hide_index=True,
            width="stretch",
        )
        st.stop()
        raise  # unreachable: st.stop() ends the run
