"""The Add-an-article page's pieces: the draft (kept in the store), the article, the live checks, the batch preview
and the confirm. The record forms are in components/article_forms.py.

Every check is the importer's: the draft and the record being entered become one article bundle that
parley.importer.preview_import checks exactly as it checks an uploaded file; confirm writes it with the same commit.
Text from the data or the analyst is shown only through dataframes, st.text or escaped Markdown.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import streamlit as st

from components.imports import show_preview
from parley import schema as s
from parley.article import (
    ARTICLE_FIELDS,
    BUNDLE_FILE,
    Built,
    IdCeiling,
    article_source_id,
    as_draft,
    draft_size,
    draft_title,
    empty_draft,
    id_ceiling,
    problems_of,
)
from parley.importer import ImportRefused, Preview, commit, preview_import, problems_frame
from parley.loading import Dataset
from parley.memo import per_dataset
from parley.store import Store, StoreError
from parley.text import escape_markdown
from parley.validation import Problem

K_ID, K_DRAFT, K_WHERE = "add.draft_id", "add.draft", "add.saved_in"
K_CHECK, K_FLASH, K_CLEAR, K_TRIED = "add.check", "add.flash", "add.clear", "add.tried"
EARLIEST = date(1990, 1, 1)  # the importer's earliest date


# -- the draft ------------------------------------------------------------------------------------------------


def start_draft(store: Store) -> dict:
    """This session's draft: resumed, or a new empty one (saved once something is entered)."""
    if K_DRAFT not in st.session_state:
        st.session_state[K_ID] = uuid.uuid4().hex[:12]
        st.session_state[K_DRAFT] = empty_draft()
        _seed_article(st.session_state[K_DRAFT])
    st.session_state[K_DRAFT] = as_draft(st.session_state[K_DRAFT])  # a session begun before a form was added
    return st.session_state[K_DRAFT]


def _seed_article(draft: Mapping) -> None:
    for name in ARTICLE_FIELDS:
        value = draft["source"].get(name, "")
        st.session_state[f"add.source.{name}"] = (
            (date.fromisoformat(value) if value else None) if name == "published" else value
        )


def save_draft(store: Store, draft: dict) -> None:
    """Keep the draft in the store (it survives a reload and a restart); where the store takes no writes, in this
    session only, and say so."""
    st.session_state[K_DRAFT] = draft
    if draft_size(draft) == 0 and not any(draft["source"].values()):
        return
    try:
        store.save_draft(st.session_state[K_ID], draft_title(draft), json.dumps(draft, ensure_ascii=False))
        st.session_state[K_WHERE] = "store"
    except StoreError:
        st.session_state[K_WHERE] = "session"


def discard(store: Store) -> None:
    with contextlib.suppress(StoreError):  # nothing was kept there
        store.discard_draft(st.session_state.get(K_ID, ""))
    for key in [k for k in st.session_state if str(k).startswith("add.")]:
        del st.session_state[key]


def render_saved_drafts(store: Store) -> None:
    """The unfinished articles kept in the store (from any session): resume or discard one."""
    try:
        saved = [d for d in store.drafts() if d[0] != st.session_state.get(K_ID)]
    except StoreError:
        return
    if not saved:
        return
    with st.expander(f"Unfinished articles: {len(saved)}", expanded=True):
        for draft_id, saved_at, title in saved[:20]:
            text, resume, drop = st.columns([5, 1, 1], vertical_alignment="center")
            text.text(f"{title} · saved {saved_at}")
            if resume.button("Resume", key=f"add.resume.{draft_id}"):
                body = store.draft(draft_id)
                if body is not None:
                    for key in [k for k in st.session_state if str(k).startswith("add.")]:
                        del st.session_state[key]
                    st.session_state[K_ID], st.session_state[K_DRAFT] = draft_id, as_draft(json.loads(body))
                    _seed_article(st.session_state[K_DRAFT])
                    st.rerun()
            if drop.button("Discard", key=f"add.drop.{draft_id}"):
                store.discard_draft(draft_id)
                st.rerun()


def show_saved_where() -> None:
    where = st.session_state.get(K_WHERE)
    if where == "store":
        st.caption("Draft saved: it stays until you confirm or discard it, also after a reload.")
    elif where == "session":
        st.caption("The store takes no writes now: the draft is kept in this browser session only (lost on reload).")


# -- the article ----------------------------------------------------------------------------------------------


def known_urls(ds: Dataset) -> dict[str, str]:
    return dict(zip(ds.sources["url"].astype(str), ds.sources["source_id"].astype(str), strict=True))


def render_article(ds: Dataset, draft: dict) -> dict[str, str]:
    """The article's fields; a URL already recorded is recognised, and records cite the recorded source."""
    st.text_input("Article URL", key="add.source.url", placeholder="https://…")
    url = str(st.session_state.get("add.source.url") or "").strip()
    urls = known_urls(ds)
    recorded = url in urls
    note = st.container()  # always there: what follows keeps its place as the URL is typed
    if recorded:
        row = ds.sources.loc[ds.sources["source_id"] == urls[url]].iloc[0]
        note.info(
            escape_markdown(f"Already recorded as {urls[url]}: {row['outlet']} · {row['title']}. Records cite it."),
            icon=":material/autorenew:",
        )
    elif url:
        note.caption(escape_markdown(f"Source id: {article_source_id(url, urls)}"))
    left, right = st.columns(2)
    left.text_input("Outlet", key="add.source.outlet", disabled=recorded)
    right.text_input("Title", key="add.source.title", disabled=recorded)
    left.date_input(
        "Published (optional)",
        key="add.source.published",
        value=None,
        min_value=EARLIEST,
        max_value=date.today(),
        format="YYYY-MM-DD",
        disabled=recorded,
    )
    right.selectbox(
        "Source type",
        list(ds.labels["source_type"]),
        key="add.source.source_type",
        format_func=lambda c: ds.label("source_type", c),
        index=None,
        disabled=recorded,
    )
    st.text_input("Reliability notes (optional)", key="add.source.reliability_notes", disabled=recorded)
    source = {name: cell_text(st.session_state.get(f"add.source.{name}")) for name in ARTICLE_FIELDS}
    return source


def cell_text(value: object) -> str:
    """A widget's value as the importer's text cell."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return s.LIST_SEP.join(str(v) for v in value)
    return str(value).strip()


# -- checking -------------------------------------------------------------------------------------------------


def existing_ids(ds: Dataset) -> dict[str, list[str] | IdCeiling]:
    """The ids in use (bundled and imported) that drafted records' ids continue after: the round and provision ids
    themselves (a few thousand at most), and for the large tables only their ceiling, found once per dataset."""
    return {
        "talks": ds.talks["talk_id"].tolist(),
        "plan_provisions": ds.provisions["provision_id"].astype(str).tolist(),
        **_ceilings(ds),
    }


@per_dataset
def _ceilings(ds: Dataset) -> dict[str, IdCeiling]:
    columns = {
        "agreed_items": ds.items["item_id"],
        "positions": ds.positions["position_id"],
        "reactions": ds.reactions["reaction_id"],
        "commitment_events": ds.commitments["event_id"].astype(str),
    }
    return {table: id_ceiling(ids, table) for table, ids in columns.items()}


def check(built: Built, store: Store, data_dir: Path) -> Preview:
    """The importer's preview of a bundle; recomputed only when the bundle or the store changes."""
    raw = built.to_bytes()
    key = f"{hashlib.sha1(raw).hexdigest()}|{store.revision()}|{data_dir}"
    cache = st.session_state.setdefault(K_CHECK, {})
    if key not in cache:
        if len(cache) > 4:
            cache.clear()
        cache[key] = preview_import([(BUNDLE_FILE, raw)], store, data_dir)
    return cache[key]


def show_problems_beside(problems: Sequence[Problem], record: Mapping[str, str], *, all_fields: bool) -> bool:
    """The rules the record breaks, next to its form: only for the fields entered so far, unless `all_fields` (a
    rule on several columns, such as a participant's round and actor, once one of them is). True when it breaks
    none."""
    shown = [p for p in problems if all_fields or p.column is None or any(map(record.get, p.column.split(", ")))]
    if shown:
        frame = problems_frame(shown)[["column", "value", "rule"]]
        st.dataframe(frame, hide_index=True, width="stretch")
    return not problems


def flash(text: str) -> None:
    """A message for the next run, shown as Markdown: escape anything typed in it."""
    st.session_state[K_FLASH] = text


def show_flash() -> None:
    # Always a container, so the elements below keep their places and the chosen tab stays open after an add.
    slot = st.container()
    text = st.session_state.pop(K_FLASH, None)
    if text:
        slot.success(text, icon=":material/check_circle:")


def render_confirm(preview: Preview, store: Store, built: Built) -> None:
    """Confirm writes the batch with the importer's commit, then the draft is gone."""
    if not show_preview(preview):
        return
    if not st.button(
        f"Confirm: write {preview.n_new} new record(s) as one import batch", type="primary", key="add.confirm"
    ):
        return
    try:
        batch = commit(preview, store, via="app (add an article)")
    except (ImportRefused, StoreError) as err:
        st.error(str(err), icon=":material/error:")
        problems = getattr(err, "problems", [])
        if problems:
            st.dataframe(problems_frame(problems), hide_index=True, width="stretch")
        return
    discard(store)
    ids = ", ".join(i for table_ids in built.ids.values() for i in table_ids)
    flash(f"Imported batch {batch.batch_id}: {batch.n_records} record(s) ({ids}). Every page shows them.")
    st.rerun()


def show_article_problems(preview: Preview, source: Mapping[str, str], *, all_fields: bool) -> None:
    """The rules the article itself breaks (its row in the bundle's sources), for the fields entered so far."""
    problems = problems_of(preview.problems, "sources", 1)
    show_problems_beside(problems, source, all_fields=all_fields)
