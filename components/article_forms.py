"""The Add-an-article page's record forms, one tab per kind of record, drawn from one table of fields (FORMS).

Each form's record is checked with the rest of the draft by the importer (components.article.check) as it is entered;
the rules it breaks are shown beside it, and its Add button puts it in the draft only when it breaks none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.article import (
    EARLIEST,
    K_CLEAR,
    cell_text,
    check,
    existing_ids,
    flash,
    known_urls,
    save_draft,
    show_problems_beside,
)
from parley import schema as s
from parley.article import (
    FORM_TABLES,
    ID_COLUMN,
    KEPT_IDS,
    Built,
    problems_of,
    provision_id_for,
    talk_id_for,
    to_bundle,
)
from parley.importer import Preview
from parley.loading import Dataset
from parley.store import Store
from parley.text import escape_markdown
from parley.validation import Problem

# Rounds may lie ahead (announced, postponed): the importer takes any date from EARLIEST on for them.
LATEST_ROUND = date(date.today().year + 5, 12, 31)

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
    "talks": (
        ("title", "short"),
        ("city", "short"),
        ("start_date", "round_date"),
        ("end_date", "round_date"),
        ("venue", "short"),
        ("country_iso3", "short"),
        ("format", "talk_format"),
        ("status", "talk_status"),
        ("confidence", "confidence"),
        ("process_id", "process"),
        ("disputed", "bool"),
        ("outcome", "long"),
        ("notes", "long"),
        ("source_ids", "sources"),
    ),
    "talk_participants": (
        ("talk_id", "talk"),
        ("actor_id", "actor"),
        ("role", "participant_role"),
        ("delegation_head_id", "speaker"),
        ("notes", "long"),
    ),
    "agreed_items": (
        ("talk_id", "talk"),
        ("issue_id", "issue"),
        ("status", "item_status"),
        ("confidence", "confidence"),
        ("quantity", "count"),
        ("quantity_unit", "short"),
        ("summary", "long"),
        ("source_ids", "sources"),
    ),
    "commitment_events": (
        ("item_id", "item"),
        ("date", "date"),
        ("status", "commitment_status"),
        ("confidence", "confidence"),
        ("note", "long"),
        ("source_ids", "sources"),
    ),
    "plan_provisions": (
        ("plan_id", "plan"),
        ("point", "point"),
        ("issue_id", "issue"),
        ("option_id", "option"),
        ("confidence", "confidence"),
        ("summary", "long"),
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
TABLE_LABELS = {  # where a column's label differs by table
    ("talks", "title"): "Round title",  # not "Title": the article has one on the same page
    ("talks", "start_date"): "Start date",
    ("talks", "end_date"): "End date",
    ("talks", "venue"): "Venue (optional)",
    ("talks", "country_iso3"): "Country (ISO3)",
    ("talks", "process_id"): "Process",
    ("talk_participants", "talk_id"): "Round",
    ("talk_participants", "delegation_head_id"): "Delegation head (a person, optional)",
    ("agreed_items", "talk_id"): "Round",
    ("agreed_items", "quantity"): "Quantity (a whole number, optional)",
    ("agreed_items", "quantity_unit"): "Unit (optional)",
    ("commitment_events", "item_id"): "Agreed item",
    ("commitment_events", "date"): "Date of the step",
    ("commitment_events", "note"): "Note (optional)",
    ("plan_provisions", "plan_id"): "Plan",
    ("plan_provisions", "point"): "Point (its number in the plan)",
    ("plan_provisions", "notes"): "Notes (optional)",
}
PREFIX = {
    "positions": "add.pos",
    "reactions": "add.rea",
    "talks": "add.talk",
    "talk_participants": "add.part",
    "agreed_items": "add.item",
    "commitment_events": "add.cev",
    "plan_provisions": "add.prov",
    "actors": "add.actor",
}
TAB_NAMES = {
    "positions": "Position",
    "reactions": "Reaction",
    "talks": "Round",
    "talk_participants": "Participant",
    "agreed_items": "Agreed item",
    "commitment_events": "Commitment event",
    "plan_provisions": "Plan provision",
    "actors": "New actor",
}
LISTED = {
    "actors": "New actors",
    "talks": "Rounds",
    "talk_participants": "Participants",
    "agreed_items": "Agreed items",
    "positions": "Positions",
    "reactions": "Reactions",
    "plan_provisions": "Plan provisions",
    "commitment_events": "Commitment events",
}
NOTES = {
    "talks": "A round not yet recorded. Its id is its start date and city; once added here, every Round field offers "
    "it.",
    "talk_participants": "Who took part in a round (recorded, or added in this article) and in what role.",
    "agreed_items": "What a round agreed; whether it was carried out is a commitment event (next tab).",
    "commitment_events": "A dated step in carrying out an agreed item (recorded, or added in this article): begun, "
    "carried out, violated or lapsed. Its id is the next free cev-NNNN.",
    "plan_provisions": "One point of a recorded peace plan, placed on its issue's scale where an option fits. Its id "
    "is the plan's id and the point's number. Plans themselves change with a data release.",
    "actors": "An actor not in the list: once added here, the Actor fields offer it.",
}
PROV = "plan_provisions"
DEFAULTED = ("process_id",)  # filled in for the analyst: a form holding only these is not yet entered


def _key(table: str, column: str) -> str:
    return f"{PREFIX[table]}.{column}"


def _label(table: str, column: str) -> str:
    return TABLE_LABELS.get((table, column)) or LABELS.get(column) or column.replace("_", " ").capitalize()


# -- choices --------------------------------------------------------------------------------------------------


def _actor_label(ds: Dataset, draft: Mapping) -> Callable[[str], str]:
    """Name, id and aliases in one line: the selectbox's type-ahead finds an actor by any of them."""
    names = {
        str(r.actor_id): f"{r.name} ({r.actor_id})" + (f" · {r.aliases.replace(';', ', ')}" if r.aliases else "")
        for r in ds.actors.itertuples()
    }
    names |= {str(a["actor_id"]): f"{a.get('name', '')} ({a['actor_id']}) · new" for a in draft["actors"]}
    return lambda code: names.get(code, code)


def _talk_choices(ds: Dataset, draft: Mapping) -> tuple[list[str], Callable[[str], str]]:
    """Rounds added in this article first, then the recorded ones, newest first."""
    titles = {
        str(t["talk_id"]): f"{t.get('title', '')} ({t.get('start_date', '')}) · new"
        for t in draft["talks"]
        if t.get("talk_id")
    }
    talks = ds.talks.sort_values("start_date", ascending=False)
    titles |= {
        str(r.talk_id): f"{r.title} ({r.start_date:%Y-%m-%d})" if pd.notna(r.start_date) else str(r.title)
        for r in talks.itertuples()
    }
    return list(titles), lambda c: titles.get(c, c)


def _item_choices(ds: Dataset, draft: Mapping) -> tuple[list[str], Callable[[str], str]]:
    """Agreed items added in this article first, then the recorded ones, newest round first."""
    summaries = {
        str(i["item_id"]): f"{_short(str(i.get('summary', '')))} ({i['item_id']}) · new"
        for i in draft["agreed_items"]
        if i.get("item_id")
    }
    items = ds.items.assign(_start=ds.items["talk_id"].astype(str).map(ds.talks.set_index("talk_id")["start_date"]))
    for r in items.sort_values("_start", ascending=False, kind="stable").itertuples():
        summaries[str(r.item_id)] = f"{_short(str(r.summary))} ({r.item_id}, {r.talk_title})"
    return list(summaries), lambda c: summaries.get(c, c)


def _plan_choices(ds: Dataset) -> tuple[list[str], Callable[[str], str]]:
    plans = ds.plans.sort_values("presented", ascending=False, kind="stable")
    titles = {
        str(r.plan_id): f"{r.title} ({r.presented:%Y-%m-%d})" if pd.notna(r.presented) else str(r.title)
        for r in plans.itertuples()
    }
    return list(titles), lambda c: titles.get(c, c)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        return _talk_choices(ds, draft)
    if kind == "item":
        return _item_choices(ds, draft)
    if kind == "plan":
        return _plan_choices(ds)
    return list(ds.labels[kind]), lambda c: ds.label(kind, c)


def _source_choices(ds: Dataset, article_id: str) -> tuple[list[str], Callable[[str], str]]:
    titles = {str(r.source_id): f"{r.outlet} · {r.title} ({r.source_id})" for r in ds.sources.itertuples()}
    choices = ([article_id] if article_id and article_id not in titles else []) + list(titles)
    return choices, lambda c: "this article" if c == article_id else titles.get(c, c)


def default_process(ds: Dataset) -> str:
    """The process a new round belongs to unless chosen: the one most rounds recorded belong to."""
    counts = ds.talks["process_id"].astype(str).value_counts()
    options = list(ds.labels.get("process", {}))
    return next((p for p in counts.index if p in options), options[0] if options else s.PROCESS_DEFAULT)


# -- one form -------------------------------------------------------------------------------------------------


def _process(ds: Dataset, where: object, label: str, key: str) -> str:
    """A selectbox only when the codebook has more than one process; one process is simply given."""
    options = list(ds.labels.get("process", {}))
    chosen = default_process(ds)
    if len(options) > 1:
        return str(
            where.selectbox(
                label, options, key=key, index=options.index(chosen), format_func=lambda c: ds.label("process", c)
            )  # type: ignore[attr-defined]
        )
    where.caption(escape_markdown(f"{label}: {ds.label('process', chosen)}"))  # type: ignore[attr-defined]
    return chosen


def render_form(ds: Dataset, draft: Mapping, table: str, article_id: str) -> dict[str, str]:
    """The widgets of one record; returns the record as the importer's text cells ('' where nothing is entered)."""
    clear = st.session_state.pop(f"{K_CLEAR}.{table}", False)
    if clear:
        for column, _ in FORMS[table]:
            st.session_state.pop(_key(table, column), None)
    given: dict[str, str] = {}
    row: list = []
    placed = 0
    for column, kind in FORMS[table]:
        wide = kind in ("long", "sources")
        if wide:
            where, placed = st, 0
        else:
            # Two fields a row, each row its own columns: on a phone the rows stack in reading order (a whole left
            # column first would put the city far below the round's title).
            if placed % 2 == 0:
                row = st.columns(2)
            where, placed = row[placed % 2], placed + 1
        label, key = _label(table, column), _key(table, column)
        if kind in ("short",):
            where.text_input(label, key=key)
        elif kind == "long":
            where.text_area(label, key=key, height=80 if column != "summary" else 110)
        elif kind in ("date", "round_date"):
            latest = LATEST_ROUND if kind == "round_date" else date.today()
            where.date_input(label, key=key, value=None, min_value=EARLIEST, max_value=latest, format="YYYY-MM-DD")
        elif kind in ("count", "point"):
            lowest = 1 if kind == "point" else 0  # plans number their points from 1
            where.number_input(label, key=key, value=None, min_value=lowest, step=1, placeholder="none")
        elif kind == "bool":
            where.checkbox("Disputed (sources conflict, or none confirms it)", key=key)
        elif kind == "sources":
            choices, label_of = _source_choices(ds, article_id)
            where.multiselect(label, choices, key=key, format_func=label_of, placeholder="This article")
        elif kind == "process":
            given[column] = _process(ds, where, label, key)
        else:
            options, label_of = _options(ds, draft, kind, table)
            where.selectbox(label, options, key=key, index=None, format_func=label_of, placeholder="Choose or type…")
    return {
        column: given.get(column, cell_text(st.session_state.get(_key(table, column)))) for column, _ in FORMS[table]
    }


def entered(record: Mapping[str, str]) -> bool:
    return any(v and v != "false" for k, v in record.items() if k not in DEFAULTED)


def as_record(table: str, record: Mapping[str, str]) -> dict[str, object]:
    """A form's cells as a bundle record: source ids as a list, whole numbers as numbers, empty optional cells left
    out; the columns follow the table's schema."""
    schema = s.TABLES_BY_NAME[table]
    out: dict[str, object] = {k: v for k, v in record.items() if v and k != "source_ids"}
    for column in schema.columns:
        value = out.get(column.name)
        if column.kind == s.INT and isinstance(value, str) and value.isdigit():
            out[column.name] = int(value)
    if "disputed" in schema.column_names:
        out["disputed"] = record.get("disputed") == "true"
    if "source_ids" in schema.column_names:
        out["source_ids"] = [v for v in record.get("source_ids", "").split(s.LIST_SEP) if v]
    return out


# -- the forms together ---------------------------------------------------------------------------------------


def _name(table: str, record: Mapping[str, object]) -> str:
    """How one record is named in the draft's lists: its id, or for a participant its round and actor."""
    schema = s.TABLES_BY_NAME[table]
    keys = [schema.key] if schema.key else list(schema.unique_together)
    return " · ".join(str(record.get(k, "")) for k in keys)


def render_draft_records(draft: dict, built: Built, store: Store) -> None:
    """The records added so far, with the ids they will get, and a way to take one out."""
    for table in FORM_TABLES:
        records = draft[table]
        if not records:
            continue
        rows = built.bundle.get(table, [])[: len(records)]  # type: ignore[index]
        frame = pd.DataFrame(rows).astype(str)
        st.caption(f"{LISTED[table]} in this article: {len(records)}")
        st.dataframe(frame, hide_index=True, width="stretch", key=f"add.list.{table}")
        pick, go = st.columns([4, 1], vertical_alignment="bottom")
        names = [_name(table, r) for r in rows]
        which = pick.selectbox(
            f"Take out one of the {LISTED[table].lower()}",
            range(len(records)),
            format_func=lambda i, names=names: names[i] if i < len(names) else str(i),
            key=f"add.remove.{table}",
        )
        if go.button("Take out", key=f"add.remove_go.{table}") and which is not None:
            records.pop(which)
            save_draft(store, draft)
            st.rerun()


def problems_for(preview: Preview, built: Built, table: str) -> list[Problem]:
    """The problems of the record being entered: the last of its table in the bundle."""
    return problems_of(preview.problems, table, len(built.bundle.get(table, [])))  # type: ignore[arg-type]


def _show_round_id(ds: Dataset, draft: Mapping, record: Mapping[str, str]) -> None:
    if record["start_date"]:
        taken = [*ds.talks["talk_id"].astype(str), *(str(t.get("talk_id", "")) for t in draft["talks"])]
        st.caption(escape_markdown(f"Round id: {talk_id_for(record['start_date'], record['city'], taken)}"))


def _show_provision_id(ds: Dataset, draft: Mapping, record: Mapping[str, str]) -> None:
    if record["plan_id"] and record["point"]:
        taken = [*ds.provisions["provision_id"].astype(str), *(str(p.get("provision_id", "")) for p in draft[PROV])]
        shown = provision_id_for(record["plan_id"], record["point"], record["issue_id"], taken)
        st.caption(escape_markdown(f"Provision id: {shown}"))


def _added(table: str, built: Built, record: Mapping[str, object]) -> str:
    if table in built.ids:
        return built.ids[table][-1]
    return _name(table, record)


def render_record_forms(ds: Dataset, draft: dict, store: Store, data_dir: Path, article_id: str) -> None:
    """One tab per kind of record: its form, the rules it breaks so far beside it, and the button that adds it."""
    forms, slots, clicked = {}, {}, {}
    # Keyed, so the open tab is kept by the server: the page above may gain an element (the data reloaded after the
    # first draft makes a new store, or after an import elsewhere), and unkeyed tabs would then reopen the first.
    tabs = st.tabs(list(TAB_NAMES.values()), key="add.tabs", on_change="rerun")
    for table, tab in zip(TAB_NAMES, tabs, strict=True):
        with tab:
            if table in NOTES:
                st.caption(NOTES[table])
            forms[table] = render_form(ds, draft, table, article_id)
            if table == "talks":
                _show_round_id(ds, draft, forms[table])
            elif table == PROV:
                _show_provision_id(ds, draft, forms[table])
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
                added = dict(candidates[table])
                if table in KEPT_IDS:  # the id other drafted records name it by (a round, an item), or that
                    # follows from fields a later import must not shift (a provision)
                    added[ID_COLUMN[table]] = built.ids[table][-1]
                draft[table].append(added)
                save_draft(store, draft)
                st.session_state[f"{K_CLEAR}.{table}"] = True
                name = escape_markdown(_added(table, built, added))  # an actor's id is typed: literal
                flash(f"Added {TAB_NAMES[table].lower()} {name} to the draft.")
                st.rerun()
            else:
                st.error("Not added: fix the fields above first.", icon=":material/error:")
