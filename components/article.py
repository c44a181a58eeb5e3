"""The Add-an-article page's pieces: the draft (kept in the store), the article, the record forms with their live
checks, the batch preview and the confirm.

Every check is the importer's: the draft and the record being entered become one article bundle that
parley.importer.preview_import checks exactly as it checks an uploaded file; confirm writes it with the same commit.
Text from the data or the analyst is shown only through dataframes, st.text or escaped Markdown.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.imports import show_preview
from parley import schema as s
from parley.article import (
    ARTICLE_FIELDS,
    BUNDLE_FILE,
    Built,
    article_source_id,
    draft_size,
    draft_title,
    empty_draft,
    problems_of,
    to_bundle,
)
from parley.importer import ImportRefused, Preview, commit, preview_import, problems_frame
from parley.loading import Dataset
from parley.store import Store, StoreError
from parley.text import escape_markdown
from parley.validation import Problem

K_ID, K_DRAFT, K_WHERE = "add.draft_id", "add.draft", "add.saved_in"
K_CHECK, K_FLASH, K_CLEAR, K_TRIED = "add.check", "add.flash", "add.clear", "add.tried"
EARLIEST = date(1990, 1, 1)  # the importer's earliest date

# The fields of each form, by table: (column, kind). Ids and sources are given when the bundle is built.
FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "positions": (
        ("actor_id", "actor"),
        ("speaker_id", "speaker"),
        ("date", "date"),
        ("issue_id", "issue"),
        ("stance", "position_stance"),
        ("option_id", "option"),
        ("summary", "long"),
        ("conditions", "long"),
        ("talk_id", "talk"),
        ("confidence", "confidence"),
        ("disputed", "bool"),
        ("notes", "long"),
        ("source_ids", "sources"),
    ),
    "reactions": (
        ("actor_id", "actor"),
        ("speaker_id", "speaker"),
        ("date", "date"),
        ("talk_id", "talk"),
        ("event", "short"),
        ("stance", "reaction_stance"),
        ("summary", "long"),
        ("confidence", "confidence"),
        ("disputed", "bool"),
        ("notes", "long"),
        ("source_ids", "sources"),
    ),
    "actors": (
        ("actor_id", "short"),
        ("name", "short"),
        ("actor_type", "actor_type"),
        ("country_iso3", "short"),
        ("aliases", "short"),
    ),
}
LABELS = {
    "actor_id": "Actor",
    "speaker_id": "Speaker (a person, optional)",
    "talk_id": "Round (optional)",
    "issue_id": "Issue",
    "option_id": "Option on the issue's scale (optional)",
    "source_ids": "Sources (empty: the article)",
    "country_iso3": "Country (ISO3, optional)",
    "aliases": "Aliases (';'-separated, optional)",
    "actor_type": "Type",
}
PREFIX = {"positions": "add.pos", "reactions": "add.rea", "actors": "add.actor"}


def _key(table: str, column: str) -> str:
    return f"{PREFIX[table]}.{column}"


# -- the draft ------------------------------------------------------------------------------------------------


def start_draft(store: Store) -> dict:
    """This session's draft: resumed, or a new empty one (saved once something is entered)."""
    if K_DRAFT not in st.session_state:
        st.session_state[K_ID] = uuid.uuid4().hex[:12]
        st.session_state[K_DRAFT] = empty_draft()
        _seed_article(st.session_state[K_DRAFT])
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
                    st.session_state[K_ID], st.session_state[K_DRAFT] = draft_id, json.loads(body)
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
    source = {name: _text(st.session_state.get(f"add.source.{name}")) for name in ARTICLE_FIELDS}
    return source


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return s.LIST_SEP.join(str(v) for v in value)
    return str(value).strip()


# -- the forms ------------------------------------------------------------------------------------------------


def _actor_label(ds: Dataset, draft: Mapping) -> Callable[[str], str]:
    """Name, id and aliases in one line: the selectbox's type-ahead finds an actor by any of them."""
    names = {
        str(r.actor_id): f"{r.name} ({r.actor_id})" + (f" · {r.aliases.replace(';', ', ')}" if r.aliases else "")
        for r in ds.actors.itertuples()
    }
    names |= {str(a["actor_id"]): f"{a.get('name', '')} ({a['actor_id']}) · new" for a in draft["actors"]}
    return lambda code: names.get(code, code)


def _options(ds: Dataset, draft: Mapping, kind: str, table: str) -> tuple[list[str], Callable[[str], str]]:
    if kind in ("actor", "speaker"):
        actors = ds.actors if kind == "actor" else ds.actors[ds.actors["actor_type"] == "person"]
        drafted = [str(a["actor_id"]) for a in draft["actors"] if kind == "actor" or a.get("actor_type") == "person"]
        return [*actors["actor_id"].astype(str), *drafted], _actor_label(ds, draft)
    if kind == "issue":
        return list(ds.issues["issue_id"]), lambda c: ds.label("issue", c)
    if kind == "option":
        issue = st.session_state.get(_key(table, "issue_id"))
        options = ds.issue_options[ds.issue_options["issue_id"] == issue]
        labels = dict(zip(options["option_id"], options["label"], strict=True))
        return list(options["option_id"]), lambda c: f"{labels.get(c, c)} ({c})"
    if kind == "talk":
        talks = ds.talks.sort_values("start_date", ascending=False)
        titles = {
            str(r.talk_id): f"{r.title} ({r.start_date:%Y-%m-%d})" if pd.notna(r.start_date) else str(r.title)
            for r in talks.itertuples()
        }
        return list(titles), lambda c: titles.get(c, c)
    if kind == "sources":
        return [], str  # drawn by _render_sources
    return list(ds.labels[kind]), lambda c: ds.label(kind, c)


def _source_choices(ds: Dataset, article_id: str) -> tuple[list[str], Callable[[str], str]]:
    titles = {str(r.source_id): f"{r.outlet} · {r.title} ({r.source_id})" for r in ds.sources.itertuples()}
    choices = ([article_id] if article_id and article_id not in titles else []) + list(titles)
    return choices, lambda c: "this article" if c == article_id else titles.get(c, c)


def render_form(ds: Dataset, draft: Mapping, table: str, article_id: str) -> dict[str, str]:
    """The widgets of one record; returns the record as the importer's text cells ('' where nothing is entered)."""
    clear = st.session_state.pop(f"{K_CLEAR}.{table}", False)
    if clear:
        for column, _ in FORMS[table]:
            st.session_state.pop(_key(table, column), None)
    columns = st.columns(2)
    for i, (column, kind) in enumerate(FORMS[table]):
        where = columns[i % 2] if kind not in ("long", "sources") else st
        label = LABELS.get(column, column.replace("_", " ").capitalize())
        key = _key(table, column)
        if kind in ("short",):
            where.text_input(label, key=key)
        elif kind == "long":
            where.text_area(label, key=key, height=80 if column != "summary" else 110)
        elif kind == "date":
            where.date_input(
                label, key=key, value=None, min_value=EARLIEST, max_value=date.today(), format="YYYY-MM-DD"
            )
        elif kind == "bool":
            where.checkbox("Disputed (sources conflict, or none confirms it)", key=key)
        elif kind == "sources":
            choices, label_of = _source_choices(ds, article_id)
            where.multiselect(label, choices, key=key, format_func=label_of, placeholder="This article")
        else:
            options, label_of = _options(ds, draft, kind, table)
            where.selectbox(label, options, key=key, index=None, format_func=label_of, placeholder="Choose or type…")
    return {column: _text(st.session_state.get(_key(table, column))) for column, _ in FORMS[table]}


def entered(record: Mapping[str, str]) -> bool:
    return any(v and v != "false" for v in record.values())


def as_record(table: str, record: Mapping[str, str]) -> dict[str, object]:
    """A form's cells as a bundle record: source ids as a list, empty optional cells left out."""
    out: dict[str, object] = {k: v for k, v in record.items() if v and k != "source_ids"}
    if table != "actors":
        out["disputed"] = record.get("disputed") == "true"
        out["source_ids"] = [v for v in record.get("source_ids", "").split(s.LIST_SEP) if v]
    return out


# -- checking -------------------------------------------------------------------------------------------------


def existing_ids(ds: Dataset) -> dict[str, list[str]]:
    return {"positions": list(ds.positions["position_id"]), "reactions": list(ds.reactions["reaction_id"])}


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
    """The rules the record breaks, next to its form: only for the fields entered so far, unless `all_fields`.
    True when it breaks none."""
    shown = [p for p in problems if all_fields or p.column is None or record.get(p.column)]
    if shown:
        frame = problems_frame(shown)[["column", "value", "rule"]]
        st.dataframe(frame, hide_index=True, width="stretch")
    return not problems


def flash(text: str) -> None:
    st.session_state[K_FLASH] = text


def show_flash() -> None:
    # Always a container, so the elements below keep their places and the chosen tab stays open after an add.
    slot = st.container()
    text = st.session_state.pop(K_FLASH, None)
    if text:
        slot.success(text, icon=":material/check_circle:")


def render_draft_records(draft: dict, built: Built, store: Store) -> None:
    """The records added so far, with the ids they will get, and a way to take one out."""
    for table in ("actors", "positions", "reactions"):
        records = draft[table]
        if not records:
            continue
        frame = pd.DataFrame(built.bundle.get(table, [])[: len(records)]).astype(str)
        st.caption(f"{table.capitalize()} in this article: {len(records)}")
        st.dataframe(frame, hide_index=True, width="stretch", key=f"add.list.{table}")
        pick, go = st.columns([4, 1], vertical_alignment="bottom")
        names = [str(v) for v in frame.iloc[:, 0]] if len(frame.columns) else []
        which = pick.selectbox(
            f"Take out one of the {table}",
            range(len(records)),
            format_func=lambda i, names=names: names[i] if i < len(names) else str(i),
            key=f"add.remove.{table}",
        )
        if go.button("Take out", key=f"add.remove_go.{table}") and which is not None:
            records.pop(which)
            save_draft(store, draft)
            st.rerun()


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


def problems_for(preview: Preview, built: Built, table: str) -> list[Problem]:
    """The problems of the record being entered: the last of its table in the bundle."""
    return problems_of(preview.problems, table, len(built.bundle.get(table, [])))


TAB_NAMES = {"positions": "Position", "reactions": "Reaction", "actors": "New actor"}


def render_record_forms(ds: Dataset, draft: dict, store: Store, data_dir: Path, article_id: str) -> None:
    """One tab per kind of record: its form, the rules it breaks so far beside it, and the button that adds it."""
    forms, slots, clicked = {}, {}, {}
    for table, tab in zip(TAB_NAMES, st.tabs(list(TAB_NAMES.values())), strict=True):
        with tab:
            if table == "actors":
                st.caption("An actor not in the list: once added here, the Actor fields offer it.")
            forms[table] = render_form(ds, draft, table, article_id)
            slots[table] = st.container()
            clicked[table] = st.button(f"Add {TAB_NAMES[table].lower()}", key=f"add.add.{table}", icon=":material/add:")
    candidates = {t: as_record(t, r) for t, r in forms.items() if entered(r)}
    built = to_bundle(draft, existing_ids(ds), known_urls(ds), candidates=candidates)
    checked = check(built, store, data_dir)
    for table, record in forms.items():
        problems = problems_for(checked, built, table) if table in candidates else []
        with slots[table]:
            ok = show_problems_beside(problems, record, all_fields=clicked[table])
            if not clicked[table]:
                continue
            if table not in candidates:
                st.warning("Nothing entered yet.", icon=":material/edit:")
            elif ok:
                draft[table].append(candidates[table])
                save_draft(store, draft)
                st.session_state[f"{K_CLEAR}.{table}"] = True
                number = built.ids[table][-1] if table in built.ids else candidates[table].get("actor_id", "")
                flash(f"Added {TAB_NAMES[table].lower()} {number} to the draft.")
                st.rerun()
            else:
                st.error("Not added: fix the fields above first.", icon=":material/error:")


def show_article_problems(preview: Preview, source: Mapping[str, str], *, all_fields: bool) -> None:
    """The rules the article itself breaks (its row in the bundle's sources), for the fields entered so far."""
    problems = problems_of(preview.problems, "sources", 1)
    show_problems_beside(problems, source, all_fields=all_fields)
