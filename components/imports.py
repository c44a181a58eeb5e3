"""The Import page's pieces: templates, upload and preview, confirm, the batch list with undo, export everything.

Every piece calls parley.importer for the work; text that comes from files or data is shown as text (dataframes,
escaped captions), never as Markdown or HTML.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.data import get_store, store_status
from components.layout import show_empty
from parley import schema as s
from parley.importer import (
    MAX_FILE_BYTES,
    SPREADSHEETS,
    ImportRefused,
    Preview,
    commit,
    example_bundle,
    export_all,
    imported_records,
    origin_counts,
    preview_import,
    problems_frame,
    template_csv,
    undo_batch,
)
from parley.loading import Dataset
from parley.store import CORRECTIONS_KEY, Store, StoreError
from parley.text import escape_markdown
from parley.validation import Problem
from parley.views import View

K_ROUND = "import.upload_round"  # part of the uploader's key: a new round gives an empty uploader
K_PREVIEW = "import.preview"
K_FLASH = "import.flash"
K_UNDO = "import.undo_pending"
MAX_UNDO_BUTTONS = 20
# The browser refuses bigger files before sending them; server.maxUploadSize (config.toml) is the same number.
UPLOAD_LIMIT_MB = MAX_FILE_BYTES // (1024 * 1024)


def _flash(kind: str, text: str) -> None:
    """A message that survives the rerun after an import or undo."""
    st.session_state[K_FLASH] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop(K_FLASH, (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "error":
        st.error(text, icon=":material/error:")


def render_templates() -> None:
    with st.expander("Templates and formats"):
        st.caption(
            "One CSV file per table, named after the table (several at once), or one JSON article bundle: the "
            f"article and everything read in it. At most {MAX_FILE_BYTES // 1024 // 1024} MB per file. "
            "The formats are described in the data dictionary (Codebook & data page)."
        )
        columns = st.columns(4)
        for i, name in enumerate(s.RECORD_TABLES):
            columns[i % 4].download_button(
                f"{name}.csv",
                data=template_csv(name),
                file_name=f"{name}.csv",
                mime="text/csv",
                key=f"import.template.{name}",
                on_click="ignore",
                icon=":material/description:",
            )
        columns[len(s.RECORD_TABLES) % 4].download_button(
            "article bundle (JSON)",
            data=example_bundle(),
            file_name="article_bundle_example.json",
            mime="application/json",
            key="import.template.bundle",
            on_click="ignore",
            icon=":material/receipt_long:",
        )


def render_upload() -> list[tuple[str, bytes]]:
    """The uploader, or, while the store cannot take an import, the reason and the fix instead of it."""
    refused = store_status().write_refused
    if refused:
        st.warning(refused, icon=":material/lock:")
        return []
    st.session_state.setdefault(K_ROUND, 0)
    uploaded = st.file_uploader(
        "CSV files named after their table, one JSON article bundle, or one Parley export (.zip)",
        # Workbooks are let through so that the importer can say how to save them as CSV UTF-8; the browser's own
        # refusal would only say that the type is not allowed.
        type=["csv", "json", "zip", *(suffix.lstrip(".") for suffix in SPREADSHEETS)],
        accept_multiple_files=True,
        key=f"import.files.{st.session_state[K_ROUND]}",
        max_upload_size=UPLOAD_LIMIT_MB,
    )
    return [(f.name, f.getvalue()) for f in uploaded or []]


def preview_for(files: list[tuple[str, bytes]], store: Store, data_dir: Path) -> Preview:
    """The preview of these files against the store as it is now; recomputed only when either changes."""
    digest = hashlib.sha1()
    for name, raw in files:
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha1(raw).digest())
    key = f"{digest.hexdigest()}|{store.revision()}|{data_dir}"
    cached = st.session_state.get(K_PREVIEW)
    if cached is None or cached[0] != key:
        with st.spinner("Checking the files…"):
            cached = (key, preview_import(files, store, data_dir))
        st.session_state[K_PREVIEW] = cached
    return cached[1]


def show_problems(problems: Sequence[Problem], message: str, *, key: str) -> None:
    """The message, then every problem as a table row (file, row, column, value, rule)."""
    st.error(message, icon=":material/error:")
    if problems:
        st.dataframe(problems_frame(problems), hide_index=True, width="stretch", key=key)


def show_preview(preview: Preview) -> bool:
    """Problems, or what would change; True when there is something to confirm."""
    for note in preview.notes:
        st.info(escape_markdown(note), icon=":material/info:")  # the note may quote a file's VERSION
    if preview.problems:
        show_problems(
            preview.problems,
            f"{len(preview.problems)} problem(s) found: nothing can be written until they are fixed. "
            "Fix the files and upload them again.",
            key="import.problems",
        )
        conflicts = pd.concat([f.assign(table=n) for n, f in preview.conflicts.items() if len(f)] or [pd.DataFrame()])
        if len(conflicts):
            st.caption("Conflicts with existing records (same id, different content):")
            st.dataframe(conflicts, hide_index=True, width="stretch", key="import.conflicts")
        return False
    st.dataframe(preview.summary(), hide_index=True, width="stretch", key="import.summary")
    for name, frame in preview.new.items():
        if len(frame):
            with st.expander(f"New {name}: {len(frame)}"):
                st.dataframe(frame, hide_index=True, width="stretch", key=f"import.new.{name}")
    skipped = pd.concat([f.assign(table=n) for n, f in preview.skipped.items() if len(f)] or [pd.DataFrame()])
    if len(skipped):
        with st.expander(f"Exact duplicates skipped: {len(skipped)}"):
            st.dataframe(skipped, hide_index=True, width="stretch", key="import.skipped")
    if not preview.has_changes:
        st.info("Nothing new to import: every record already exists.", icon=":material/info:")
        return False
    return True


def render_confirm(preview: Preview, store: Store) -> None:
    also = f", then re-apply {len(preview.corrections)} correction(s)" if preview.corrections else ""
    if not st.button(
        f"Confirm: write {preview.n_new} new record(s) as one import batch{also}", type="primary", key="import.confirm"
    ):
        return
    try:
        batch = commit(preview, store, via="app")
    except (ImportRefused, StoreError) as err:
        show_problems(getattr(err, "problems", []), str(err), key="import.commit_problems")
        return
    counts = ", ".join(f"{name} {n}" for name, n in batch.counts.items() if n)
    imported = "" if batch.supersedes else f"Imported batch {batch.batch_id}: {batch.n_records} record(s) ({counts}). "
    corrected = (
        f"Re-applied {len(preview.corrections)} correction(s) from the export, each as its own batch. "
        if preview.corrections
        else ""
    )
    _flash("success", f"{imported}{corrected}Every page shows them.")
    st.session_state[K_ROUND] = st.session_state.get(K_ROUND, 0) + 1
    st.session_state.pop(K_PREVIEW, None)
    st.rerun()


def _undo(store: Store, batch_id: str, data_dir: Path) -> None:
    try:
        batch = undo_batch(store, batch_id, data_dir)
    except (ImportRefused, StoreError) as err:
        show_problems(getattr(err, "problems", []), str(err), key="import.undo_problems")
        return
    st.session_state.pop(K_UNDO, None)
    if batch.supersedes:  # a correction: the record stays, as it was before
        what = escape_markdown(batch.superseded)  # record ids are data
        _flash("success", f"Undone batch {batch.batch_id}: {what} back to the version before it.")
    else:
        _flash("success", f"Undone batch {batch.batch_id}: {batch.n_records} record(s) removed.")
    st.rerun()


def render_batches(store: Store, data_dir: Path) -> None:
    status = store.status()
    if status.unreadable:
        st.caption("The import batches cannot be listed until the store can be read again (see above).")
        return
    try:
        batches = store.batches()
    except StoreError as err:  # the store broke since the status check
        st.warning(str(err), icon=":material/warning:")
        return
    if batches.empty:
        st.caption("Nothing imported yet.")
        return
    st.dataframe(
        batches.rename(columns={"n_records": "records", "undone_at": "undone"}),
        hide_index=True,
        width="stretch",
        key="import.batches",
    )
    if status.read_only:
        st.caption("Undo is off while the store is read-only (see above).")
        return
    active = batches[batches["undone_at"] == ""].head(MAX_UNDO_BUTTONS)
    pending = st.session_state.get(K_UNDO)
    for row in active.itertuples():
        left, right = st.columns([5, 1], vertical_alignment="center")
        what = f"corrects {row.supersedes}" if row.supersedes else f"{row.n_records} record(s) · {row.files}"
        left.caption(escape_markdown(f"{row.batch_id} · {row.imported_at} · {what}"))
        if right.button("Undo", key=f"import.undo.{row.batch_id}", icon=":material/undo:"):
            st.session_state[K_UNDO] = pending = row.batch_id
        if pending == row.batch_id:
            effect = (
                f"{escape_markdown(row.supersedes)} goes back to the version before it"  # record ids are data
                if row.supersedes
                else f"Its {row.n_records} record(s) will be removed"
            )
            st.warning(f"Undo batch {row.batch_id}? {effect}.", icon=":material/warning:")
            yes, no, _ = st.columns([1, 1, 3])
            if yes.button("Yes, undo it", type="primary", key="import.undo_confirm"):
                _undo(store, row.batch_id, data_dir)
            if no.button("Cancel", key="import.undo_cancel"):
                st.session_state.pop(K_UNDO, None)
                st.rerun()
    if len(batches[batches["undone_at"] == ""]) > MAX_UNDO_BUTTONS:
        st.caption(
            f"Older batches: undo them with `python -m parley undo BATCH_ID` (only the {MAX_UNDO_BUTTONS} "
            "most recent have a button)."
        )


def show_origin(view: View, ds: Dataset) -> None:
    """How many records in the current view are bundled and how many imported, and the imported ones."""
    if view.is_empty:
        show_empty("records")
        return
    tables = {
        "talks": view.talks,
        "agreed_items": view.items,
        "positions": view.positions,
        "reactions": view.reactions,
        "sources": view.sources(ds),
    }
    st.dataframe(origin_counts(tables), hide_index=True, width="stretch", key="import.origin")
    imported = imported_records(tables)
    if imported.empty:
        st.caption("No imported records in the current view.")
    else:
        st.dataframe(imported, hide_index=True, width="stretch", key="import.imported")


def _corrections() -> pd.DataFrame | None:
    """The store's corrections, listed in the export so that it restores corrected bundled records too."""
    if store_status().unreadable:
        return None
    return get_store().imported_rows()[CORRECTIONS_KEY]


def render_export(ds: Dataset, data_dir: Path) -> None:
    st.caption(
        "Every table, bundled plus imported, as raw CSV files with the data dictionary and the version. "
        "The zip imports back as it is (into another Parley, or after a reset)."
    )
    if store_status().unreadable:
        st.caption("While the store cannot be read, this export holds the bundled records only.")
    st.download_button(
        "Export everything (zip)",
        data=lambda: export_all(ds, data_dir, _corrections()),
        file_name=f"parley_export_v{ds.version}_{date.today().isoformat()}.zip",
        mime="application/zip",
        key="import.export",
        on_click="ignore",
        icon=":material/inventory_2:",
    )
