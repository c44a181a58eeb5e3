"""Cached access to the dataset: loaded and validated once per data version, shared by all sessions."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from parley.loading import DEFAULT_DATA_DIR, Dataset, load_dataset
from parley.validation import DataValidationError

DATA_DIR_ENV = "PARLEY_DATA_DIR"


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


# cache_resource, not cache_data: one shared read-only object instead of a pickled copy on every rerun.
@st.cache_resource(show_spinner="Loading and checking the data…", max_entries=2)
def _load(directory: str, fingerprint: str) -> Dataset:
    return load_dataset(Path(directory))


def get_dataset() -> Dataset:
    """The dataset, or a clear message naming file, row, column and rule — and the page stops there."""
    directory = data_dir()
    try:
        return _load(str(directory), _fingerprint(directory))
    except DataValidationError as err:
        st.error(
            f"The data in {directory} could not be loaded: {len(err.problems)} problem(s) found. "
            "Nothing was changed; fix the files below and reload the page.",
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
