"""The record page's history and "Propose a correction": a form over the record's fields (codebook dropdowns for the
coded ones), the changed fields old and new side by side, and one batch on confirm.

Every check is parley.corrections', which uses the import's rules and messages; the batch is written by the store's
own write_batch and undone by the Import page's undo. Text from the data or the analyst is shown only through
dataframes, widgets' own labels and escaped Markdown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.article import cell_text
from components.data import store_status
from parley import schema as s
from parley.corrections import (
    CORRECTABLE,
    CorrectionPreview,
    commit_correction,
    current_values,
    editable_columns,
    history,
    preview_correction,
    read_base,
)
from parley.importer import ImportRefused, problems_frame
from parley.loading import Dataset
from parley.records import Record
from parley.store import Store, StoreError
from parley.text import escape_markdown
from parley.validation import EARLIEST, LATEST

K_OPEN = "record.fix.open"
K_FOR = "record.fix.for"  # the record the fields were filled from, and the values they started with
K_PREVIEW = "record.fix.preview"
K_RESET = "record.fix.reset"
K_FLASH = "record.fix.flash"
NONE = ""  # the choice that leaves an optional field empty
LABELS = {
    "actor_id": "Actor",
    "speaker_id": "Speaker (a person)",
    "talk_id": "Round",
    "issue_id": "Issue",
    "option_id": "Option on the issue's scale",
    "source_ids": "Sources",
    "country_iso3": "Country (ISO3)",
    "aliases": "Aliases (';'-separated)",
    "affiliation": "Affiliation",
    "process_id": "Process",
    "start_date": "Start date",
    "end_date": "End date",
    "quantity_unit": "Quantity unit",
    "source_type": "Source type",
    "actor_type": "Type",
    "reliability_notes": "Reliability notes",
}


def _field(column: str) -> str:
    return f"record.fix.field.{column}"


def _label(column: s.Column) -> str:
    text = LABELS.get(column.name, column.name.replace("_", " ").capitalize())
    return text if column.required else f"{text} (optional)"


# -- history --------------------------------------------------------------------------------------------------


def show_history(store: Store, record: Record, ds: Dataset) -> None:
    """Where the record comes from, then each correction: its batch, when, and the fields it changed."""
    table = CORRECTABLE.get(record.kind)
    if table is None:
        return
    st.subheader("History", anchor=False)
    try:
        found = history(store, table, record.id)
    except StoreError:
        st.caption("The history of corrections is unavailable while the store cannot be read (see above).")
        return
    if found.imported_in is None:
        st.caption(f"Original: the bundled data (version {escape_markdown(ds.version)}).")
    else:
        batch, at = found.imported_in
        st.caption(f"Original: imported in batch {escape_markdown(batch)} on {escape_markdown(at)}.")
    if not found.corrections:
        st.caption("Not corrected since.")
        return
    for n, entry in enumerate(found.corrections, start=1):
        st.caption(
            f"Correction {n} of {len(found.corrections)}: batch {escape_markdown(entry.batch_id)} · "
            f"{escape_markdown(entry.corrected_at)}"
        )
        rows = [{"field": c, "before": old, "after": new} for c, (old, new) in entry.changes.items()]
        frame = pd.DataFrame(rows, columns=["field", "before", "after"], dtype=str)
        st.dataframe(frame, hide_index=True, width="stretch", key=f"record.history.{n}")
    st.caption(
        "Undo a correction on the Import page (or `python -m parley undo BATCH_ID`), newest first: the record goes "
        "back to the version before it."
    )


# -- the form -------------------------------------------------------------------------------------------------


def show_flash() -> None:
    slot = st.container()  # always there, so what follows keeps its place
    text = st.session_state.pop(K_FLASH, None)
    if text:
        slot.success(escape_markdown(text), icon=":material/check_circle:")


def _seed(table: str, record_id: str, values: dict[str, str]) -> None:
    for column in editable_columns(table):
        value = values.get(column.name, "")
        if column.kind == s.DATE:
            st.session_state[_field(column.name)] = date.fromisoformat(value) if value else None
        elif column.kind == s.BOOL:
            st.session_state[_field(column.name)] = value == "true"
        elif column.kind == s.REFS:
            st.session_state[_field(column.name)] = [v for v in value.split(s.LIST_SEP) if v]
        else:
            st.session_state[_field(column.name)] = value
    st.session_state[K_FOR] = (table, record_id, values)


def _choices(ds: Dataset, table: str, column: s.Column) -> tuple[list[str], Callable[[str], str]] | None:
    """The dropdown of a coded or linked field (values with their names), or None for a typed field."""
    current = str(st.session_state.get(_field(column.name)) or "")
    if column.kind == s.CODE:
        scheme = column.scheme or ""
        codes = list(ds.labels.get(scheme, {}))
        return _with(codes, current, column), lambda c: _named(ds.label(scheme, c), c)
    if column.kind != s.REF:
        return None
    if column.ref == "actors":
        actors = ds.actors
        if column.name == "speaker_id":
            actors = actors[actors["actor_type"] == "person"]
        names = {str(r.actor_id): f"{r.name} ({r.actor_id})" for r in ds.actors.itertuples()}
        return _with(list(actors["actor_id"].astype(str)), current, column), lambda c: names.get(c, c or "— none —")
    if column.ref == "talks":
        titles = {
            str(r.talk_id): f"{r.title} ({r.start_date:%Y-%m-%d})" if pd.notna(r.start_date) else str(r.title)
            for r in ds.talks.sort_values("start_date", ascending=False).itertuples()
        }
        return _with(list(titles), current, column), lambda c: titles.get(c, c or "— none —")
    if column.ref == "issue_options":
        issue = str(st.session_state.get(_field("issue_id")) or "")
        options = ds.issue_options[ds.issue_options["issue_id"] == issue]
        labels = dict(zip(options["option_id"].astype(str), options["label"].astype(str), strict=True))
        return _with(list(labels), current, column), lambda c: f"{labels[c]} ({c})" if c in labels else c or "— none —"
    return None


def _named(label: str, code: str) -> str:
    if not code:
        return "— none —"
    return code if label == code else f"{label} ({code})"


def _with(options: list[str], current: str, column: s.Column) -> list[str]:
    """The options, with an empty choice for an optional field and the record's own value even when it is not
    offered (an option of another issue), so the form starts from the record exactly as it is."""
    out = ([NONE] if not column.required else []) + options
    return out if current in out else [*out, current]


def _sources(ds: Dataset) -> tuple[list[str], Callable[[str], str]]:
    titles = {str(r.source_id): f"{r.outlet} · {r.title} ({r.source_id})" for r in ds.sources.itertuples()}
    return list(titles), lambda c: titles.get(c, c)


def _render_fields(ds: Dataset, table: str) -> None:
    """Short fields two by two, in the table's order (one row per pair, so a phone stacks them in that order too),
    then the prose and the sources at full width."""
    columns = editable_columns(table)
    wide = [c for c in columns if c.characters == s.MULTI_LINE or c.kind == s.REFS]
    short = [c for c in columns if c not in wide]
    for i in range(0, len(short), 2):
        for where, column in zip(st.columns(2), short[i : i + 2], strict=False):
            _render_field(ds, table, column, where)
    for column in wide:
        _render_field(ds, table, column, st)


def _render_field(ds: Dataset, table: str, column: s.Column, where) -> None:  # type: ignore[no-untyped-def]
    key, label = _field(column.name), _label(column)
    choices = _choices(ds, table, column)
    if choices is not None:
        where.selectbox(label, choices[0], key=key, format_func=choices[1])
    elif column.kind == s.DATE:
        where.date_input(label, key=key, min_value=EARLIEST, max_value=LATEST, format="YYYY-MM-DD")
    elif column.kind == s.BOOL:
        where.checkbox(label, key=key)
    elif column.kind == s.REFS:
        options, label_of = _sources(ds)
        chosen = st.session_state.get(key) or []
        where.multiselect(label, options + [c for c in chosen if c not in options], key=key, format_func=label_of)
    elif column.characters == s.MULTI_LINE:
        where.text_area(label, key=key, height=110 if column.name in ("summary", "outcome") else 80)
    else:
        where.text_input(label, key=key)


def render_correction(ds: Dataset, store: Store, data_dir: Path, record: Record) -> None:
    """'Propose a correction': the form, then the changes old and new, the rules they break, and confirm."""
    table = CORRECTABLE.get(record.kind)
    if table is None:
        return
    refused = store_status().write_refused
    if refused:
        st.caption("Corrections are off while the store takes no writes (see the warning above).")
        return
    if st.session_state.pop(K_RESET, False):
        st.session_state[K_OPEN] = False
        st.session_state.pop(K_FOR, None)
    if not st.toggle("Propose a correction", key=K_OPEN, help="Change this record's fields; one batch, undoable."):
        return
    seeded = st.session_state.get(K_FOR)
    fields = [_field(c.name) for c in editable_columns(table)]
    if seeded is None or seeded[:2] != (table, record.id) or not all(k in st.session_state for k in fields):
        try:
            values = current_values(read_base(store, data_dir), table, record.id)
        except (ImportRefused, StoreError) as err:
            st.error(str(err), icon=":material/error:")
            return
        if values is None:
            st.warning("This record is not in the data as it is now: reload the page.", icon=":material/warning:")
            return
        _seed(table, record.id, values)
        seeded = st.session_state[K_FOR]
    seen: dict[str, str] = seeded[2]
    with st.form("record.fix.form", border=True):
        st.caption(
            "Change the fields that are wrong, then preview. The record keeps its id; the bundled files are never "
            "changed; the correction is one batch that undo takes back."
        )
        _render_fields(ds, table)
        st.form_submit_button("Preview the correction", icon=":material/preview:", key="record.fix.preview_button")
    values = {c.name: cell_text(st.session_state.get(_field(c.name))) for c in editable_columns(table)}
    changes = {c: v for c, v in values.items() if v != seen.get(c, "")}
    if not changes:
        st.caption("No field changed yet.")
        return
    preview = _preview(table, record.id, changes, seen, store, data_dir)
    if preview is None:
        return
    _show_preview(preview)
    if preview.ok:
        _confirm(preview, store)


def _preview(
    table: str, record_id: str, changes: dict[str, str], seen: dict[str, str], store: Store, data_dir: Path
) -> CorrectionPreview | None:
    """The check of these changes against the store as it is now; recomputed only when either changes."""
    raw = json.dumps([table, record_id, changes, seen], sort_keys=True, ensure_ascii=False)
    key = f"{hashlib.sha1(raw.encode()).hexdigest()}|{store.revision()}|{data_dir}"
    cached = st.session_state.get(K_PREVIEW)
    if cached is None or cached[0] != key:
        try:
            preview = preview_correction(table, record_id, changes, store, data_dir, seen=seen)
        except (ImportRefused, StoreError) as err:
            st.error(str(err), icon=":material/error:")
            if getattr(err, "problems", None):
                st.dataframe(problems_frame(err.problems), hide_index=True, width="stretch")  # type: ignore[attr-defined]
            return None
        cached = (key, preview)
        st.session_state[K_PREVIEW] = cached
    return cached[1]


def _show_preview(preview: CorrectionPreview) -> None:
    st.markdown("**The correction:** each changed field, as it is now and as corrected.")
    st.dataframe(preview.frame(), hide_index=True, width="stretch", key="record.fix.changes")
    if preview.problems:
        st.error(
            f"{len(preview.problems)} problem(s): nothing can be written until they are fixed in the form above.",
            icon=":material/error:",
        )
        frame = problems_frame(preview.problems)[["column", "value", "rule"]]
        st.dataframe(frame, hide_index=True, width="stretch", key="record.fix.problems")


def _confirm(preview: CorrectionPreview, store: Store) -> None:
    n = len(preview.changes)
    if not st.button(
        f"Confirm: correct {preview.record_id} ({n} field{'s' if n > 1 else ''}) as one batch",
        type="primary",
        key="record.fix.confirm",
        icon=":material/check:",
    ):
        return
    try:
        batch = commit_correction(preview, store)
    except (ImportRefused, StoreError) as err:
        st.error(str(err), icon=":material/error:")
        if getattr(err, "problems", None):
            st.dataframe(problems_frame(err.problems), hide_index=True, width="stretch")  # type: ignore[attr-defined]
        return
    st.session_state[K_FLASH] = (
        f"Corrected {preview.record_id} in batch {batch.batch_id} ({', '.join(preview.changes)}). Every page shows "
        "the corrected record; undo the batch on the Import page to go back."
    )
    st.session_state[K_RESET] = True
    st.session_state.pop(K_PREVIEW, None)
    st.rerun()
