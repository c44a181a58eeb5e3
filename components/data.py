"""Cached access to the dataset: loaded and validated once per data version and store revision, for all sessions.

A store that cannot be read does not stop the app: the pages show the bundled data under a warning that says how to
fix the store, and the Import page takes nothing until then."""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from components.filters import data_changed, filters_rendered_this_run
from parley.loading import DEFAULT_DATA_DIR, Dataset, load_dataset, settle_long_lived
from parley.store import UNREADABLE_REVISION, Store, StoreError, StoreStatus, store_url
from parley.text import escape_markdown
from parley.validation import DataValidationError, Problem

DATA_DIR_ENV = "PARLEY_DATA_DIR"
_LOADED = "data.loaded_key"
_RUN_DATASET = "data.this_run"  # the dataset app.py found at the start of this run
_SHOWN_REVISION = "data.shown_revision"  # the store revision this session's pages were last drawn from
POLL_SECONDS = 3  # how soon an open session hears of an import or undo made elsewhere
BUNDLED_ONLY_REVISION = "bundled-only"  # the key of the bundled data shown while imported records are refused


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


def store_status() -> StoreStatus:
    """Whether the store can be read and written now; its messages say what to do when not."""
    return get_store().status()


@dataclass
class _Loaded:
    """Datasets built in this process, newest last, shared by every session (read-only once built)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: OrderedDict[str, Dataset] = field(default_factory=OrderedDict)


@st.cache_resource
def _loaded() -> _Loaded:
    return _Loaded()


MAX_DATASETS = 2  # the current one, and the one before it while sessions move over after an import


def _load(directory: str, fingerprint: str, revision: str, store: Store | None) -> Dataset:
    """One shared Dataset per data version and store revision; the first session to need it builds it, with a
    progress bar, and the others wait for it.

    Not st.cache_resource around load_dataset: a progress bar drawn inside a cached function would be replayed on
    every later call."""
    key = f"{directory}|{fingerprint}|{revision}"
    loaded = _loaded()
    with loaded.lock:
        dataset = loaded.entries.get(key)
        if dataset is None:
            bar = st.progress(0.0, text="Loading and checking the data…")
            try:
                dataset = load_dataset(
                    Path(directory), store, progress=lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text)
                )
            finally:
                bar.empty()
            loaded.entries[key] = dataset
            while len(loaded.entries) > MAX_DATASETS:
                loaded.entries.popitem(last=False)
            settle_long_lived()
        else:
            loaded.entries.move_to_end(key)
        return dataset


def _show_store_problem(message: str, problems: list[Problem] | None = None) -> None:
    # app.py asks first, before the filters are drawn; the page's own call comes later in the same run.
    if not filters_rendered_this_run():
        st.warning(message, icon=":material/warning:")
        if problems:
            with st.expander(f"The {len(problems)} problem(s) in imported records"):
                _show_problems(problems)


def _show_problems(problems: list[Problem]) -> None:
    st.dataframe(
        [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule} for p in problems[:500]],
        hide_index=True,
        width="stretch",
    )


def get_dataset() -> Dataset:
    """The dataset, or a clear message naming file, row, column and rule — and the page stops there.

    When the store of imported records cannot be read, or holds records the current rules refuse, the bundled data
    alone, under a warning saying the fix.

    app.py asks first, before it draws the filters; the page and its header ask again in the same run and get the
    same dataset without reading the data folder and the store's revision again."""
    found = st.session_state.get(_RUN_DATASET)
    if filters_rendered_this_run() and found is not None and (dataset := found()) is not None:
        return dataset
    dataset = _current_dataset()
    # A weak reference: an idle session must not keep a replaced dataset alive until its next run.
    st.session_state[_RUN_DATASET] = weakref.ref(dataset)
    return dataset


def _current_dataset() -> Dataset:
    directory = data_dir()
    store = get_store()
    fingerprint, status = _fingerprint(directory), store.status()
    st.session_state[_SHOWN_REVISION] = status.revision
    problems: list[Problem] = []
    try:
        try:
            dataset = _load(str(directory), fingerprint, status.revision, None if status.unreadable else store)
        except StoreError as err:  # the store broke between the status check and the read
            status = StoreStatus(UNREADABLE_REVISION, unreadable=str(err))
            dataset = _load(str(directory), fingerprint, status.revision, None)
        except DataValidationError as err:
            if status.unreadable:
                raise
            # The bundled files may be fine and only imported records break today's rules (a store written by an
            # older version): show the bundled data and say which batches to undo.
            dataset = _load(str(directory), fingerprint, BUNDLED_ONLY_REVISION, None)
            problems = err.problems
            status = StoreStatus(BUNDLED_ONLY_REVISION, unreadable="")
    except DataValidationError as err:
        st.error(
            f"The data in {escape_markdown(str(directory))} could not be loaded: {len(err.problems)} problem(s) found. "
            "Nothing was changed; fix the files below and reload the page. A problem in an imported record names "
            "its batch: `python -m parley undo BATCH_ID` removes it.",
            icon=":material/error:",
        )
        _show_problems(err.problems)
        st.stop()
        raise  # unreachable: st.stop() ends the run
    key = f"{directory}|{fingerprint}|{status.revision}"
    if st.session_state.get(_LOADED, key) != key:
        data_changed()  # the filters are checked against the new data: a full date range takes in new dates
    st.session_state[_LOADED] = key
    if status.unreadable:
        _show_store_problem(status.unreadable)
    elif problems:
        _show_store_problem(
            f"Imported records break the current rules ({len(problems)} problem(s)), so the pages show the bundled "
            "data only. Each problem names its import batch: undo that batch on the Import page or with "
            "`python -m parley undo BATCH_ID`, then import the corrected records again.",
            problems,
        )
    return dataset


@st.fragment(run_every=POLL_SECONDS)
def render_new_records_notice() -> None:
    """Tell an open session that an import or undo landed elsewhere; it refreshes when the reader asks.

    Only the revision is read (one small query), so polling every few seconds costs next to nothing; the page itself
    is not rerun, so nothing the reader is doing is interrupted."""
    shown = st.session_state.get(_SHOWN_REVISION)
    try:
        now = get_store().revision()
    except StoreError:
        return  # an unreadable store is reported by the page itself
    if shown is None or now == shown:
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.info(
        "New records available: an import or undo landed since this page was drawn.", icon=":material/new_releases:"
    )
    if right.button("Refresh", key="data.refresh", icon=":material/refresh:"):
        st.rerun(scope="app")
