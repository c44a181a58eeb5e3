"""One page per record: any id in the data resolved to its fields in words, its sources and its links both ways.

Pure: `find(ds, id)` gives a Record the page only displays, so every id can be checked without Streamlit. Ids are
unique across tables in the bundled data; where an id names records of two kinds, `matches` lists both and the page
asks which one (`kind` narrows it). Linked-record lists are capped (a party with a million statements must not send
them all), with the full count kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import numpy as np
import pandas as pd

from parley import schema as s
from parley.digest import record_link
from parley.filters import format_date
from parley.loading import IMPORTED, Dataset
from parley.text import ELLIPSIS, shorten

MAX_LINKS = 50  # linked records listed per group; the group keeps the full count
NOT_RECORDED = "not recorded"
SAFE_SCHEMES = ("http", "https")
FLAG_TEXTS = {
    "disputed": "Disputed: sources conflict on a material point, or the party denied it.",
    "low": "Low confidence: a single secondary source, anonymous sourcing, an announcement only, or unverified.",
    "single": "Single source: only one source is cited for this record.",
}
DOUBTFUL_VERDICTS = ("contradicted", "unconfirmed", "partly_confirmed")


@dataclass(frozen=True)
class Kind:
    key: str  # the value of the page's `kind` parameter
    label: str
    table: str  # Dataset attribute
    id_column: str


KINDS: tuple[Kind, ...] = (
    Kind("round", "Round", "talks", "talk_id"),
    Kind("position", "Position", "positions", "position_id"),
    Kind("reaction", "Reaction", "reactions", "reaction_id"),
    Kind("item", "Agreed item", "items", "item_id"),
    Kind("event", "Commitment event", "commitments", "event_id"),
    Kind("source", "Source", "sources", "source_id"),
    Kind("check", "Fact check", "fact_checks", "check_id"),
    Kind("actor", "Actor", "actors", "actor_id"),
    Kind("plan", "Peace plan", "plans", "plan_id"),
    Kind("provision", "Plan provision", "provisions", "provision_id"),
)
KIND = {k.key: k for k in KINDS}


@dataclass(frozen=True)
class Link:
    id: str
    kind: str  # a Kind key
    label: str  # one line, from the data: shown literally


@dataclass(frozen=True)
class LinkGroup:
    title: str
    links: tuple[Link, ...]
    total: int  # how many there are; at most MAX_LINKS are listed


@dataclass(frozen=True)
class CheckRef:
    id: str
    verdict: str  # in words
    claim: str


@dataclass(frozen=True)
class SourceRef:
    id: str
    known: bool  # False: the id names no source in the data
    outlet: str = ""
    title: str = ""
    url: str = ""  # as recorded, shown as text
    href: str | None = None  # the same address only when it is http(s): nothing else is ever made a link
    type_label: str = ""
    published: str = NOT_RECORDED
    reliability_notes: str = ""
    checks: tuple[CheckRef, ...] = ()


@dataclass(frozen=True)
class Record:
    id: str
    kind: str  # a Kind key
    kind_label: str
    title: str
    fields: tuple[tuple[str, str], ...]  # (label, value) in words; empty fields left out
    flags: tuple[str, ...]  # each flag with what it means
    sources: tuple[SourceRef, ...]
    links: tuple[LinkGroup, ...]

    def group(self, title: str) -> LinkGroup | None:
        return next((g for g in self.links if g.title == title), None)


# Columns that hold record ids (one or a ';' list), linked to their records wherever a table shows them, and
# columns of names linked through the id column beside them. A table adds its own (components.tables.show_table's
# `links`).
ID_COLUMNS = (
    "talk_id",
    "position_id",
    "reaction_id",
    "item_id",
    "event_id",
    "source_id",
    "check_id",
    "actor_id",
    "plan_id",
    "provision_id",
    "source_ids",
    "records",
    "record_ids",
    "check_source_ids",
)
AUTO_LINKS: dict[str, str] = {**{c: c for c in ID_COLUMNS}, "talk_title": "talk_id", "plan_title": "plan_id"}


# ---- small helpers ------------------------------------------------------------------------------------------
def text(value: object) -> str:
    """A cell as display text: '' for a missing value (never 'None' or 'nan')."""
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return ""
    return str(value).strip()


def split_ids(cell: object) -> list[str]:
    """The ids in a ';'-separated cell, in order, once each (a shortened list's trailing ellipsis dropped)."""
    parts = (p.strip().removesuffix(ELLIPSIS).strip() for p in text(cell).split(s.LIST_SEP))
    return list(dict.fromkeys(p for p in parts if p))


def safe_href(url: object) -> str | None:
    """The address if it may be a link (http or https with a host and no spaces or control characters), else None."""
    value = text(url)
    if not value or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def link_cell(record_id: object, label: object = None) -> str | None:
    """A table cell for a LinkColumn: the record's address; the text to show rides after '#' (see LINK_DISPLAY)."""
    ids = split_ids(record_id)
    if not ids:
        return None
    shown = text(label) or ids[0]
    if len(ids) > 1:
        shown = f"{shown} (+{len(ids) - 1} more)"
    return record_link(ids[0]) + "#" + quote(shown, safe="")


# For st.column_config.LinkColumn(display_text=...): Streamlit shows the first group, URL-decoded. The part after
# '#' when there is one, else the id itself.
LINK_DISPLAY = r"(?:#|id=)([^&#]*)$"


def link_label(cell: object) -> str:
    """What a link cell shows (the reverse of link_cell's encoding), e.g. for tests and CSV-like reading."""
    from urllib.parse import unquote

    value = text(cell)
    return unquote(value.split("#", 1)[1]) if "#" in value else unquote(value.partition("id=")[2])


def _yes_no(value: object) -> str:
    return "yes" if bool(value) and not pd.isna(value) else "no"


def _date(value: object) -> str:
    return "" if value is None or pd.isna(value) else format_date(value)


def _fields(pairs: Iterable[tuple[str, object]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, text(value)) for label, value in pairs if text(value))


def _table(ds: Dataset, kind: Kind) -> pd.DataFrame:
    return getattr(ds, kind.table)


def _equal(column: pd.Series, value: str) -> np.ndarray:
    """Rows whose cell is `value`, compared once per category for categorical columns."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        code = column.cat.categories.get_indexer([value])[0]
        return column.cat.codes.to_numpy() == code if code >= 0 else np.zeros(len(column), dtype=bool)
    return (column.astype(str) == value).to_numpy(dtype=bool)


def _citing(column: pd.Series, record_id: str) -> np.ndarray:
    """Rows whose ';'-list cell holds `record_id`, each distinct list read once."""
    values = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    hits = [i for i, cell in enumerate(values.cat.categories) if record_id in split_ids(cell)]
    return np.isin(values.cat.codes.to_numpy(), hits) if hits else np.zeros(len(column), dtype=bool)


def _row(ds: Dataset, kind: Kind, record_id: str) -> pd.Series | None:
    table = _table(ds, kind)
    hit = np.flatnonzero(_equal(table[kind.id_column], record_id))
    return table.iloc[hit[0]] if len(hit) else None


# ---- one line per record, for lists of links -----------------------------------------------------------------
def _line(kind: str, r: Mapping[str, object]) -> str:
    short = 90
    lines: dict[str, Callable[[], str]] = {
        "round": lambda: f"{_date(r['start_date'])} · {text(r['title'])}",
        "position": lambda: (
            f"{_date(r['date'])} · {text(r['actor_name'])} · {text(r['issue_label'])}: {text(r['stance_label'])}"
        ),
        "reaction": lambda: f"{_date(r['date'])} · {text(r['actor_name'])}: {text(r['stance_label'])}",
        "item": lambda: f"{text(r['issue_label'])}: {shorten(text(r['summary']), short)}",
        "event": lambda: f"{_date(r['date'])} · {text(r['status_label'])}: {shorten(text(r['summary']), short)}",
        "source": lambda: " · ".join(p for p in (text(r["outlet"]), shorten(text(r["title"]), short)) if p),
        "check": lambda: f"{text(r['verdict']).replace('_', ' ')}: {shorten(text(r['claim']), short)}",
        "actor": lambda: text(r["name"]),
        "plan": lambda: f"{_date(r['presented'])} · {text(r['title'])}",
        "provision": lambda: f"{text(r['plan_title'])}, point {text(r['point'])}: {shorten(text(r['summary']), short)}",
    }
    return lines[kind]() or text(r[KIND[kind].id_column])


LINE_COLUMNS = {
    "round": ["start_date", "title"],
    "position": ["date", "actor_name", "issue_label", "stance_label"],
    "reaction": ["date", "actor_name", "stance_label"],
    "item": ["issue_label", "summary"],
    "event": ["date", "status_label", "summary"],
    "source": ["outlet", "title"],
    "check": ["verdict", "claim"],
    "actor": ["name"],
    "plan": ["presented", "title"],
    "provision": ["plan_title", "point", "summary"],
}


def _group(
    title: str, kind: str, table: pd.DataFrame, mask: np.ndarray | None = None, *, newest_first: str | None = None
) -> LinkGroup | None:
    """The rows of `table` where `mask` holds (all rows without one) as links; only the listed ones are built, so a
    party with a million statements costs one mask and a sort, not a million rows copied."""
    rows = np.arange(len(table)) if mask is None else np.flatnonzero(mask)
    if not len(rows):
        return None
    if newest_first is not None:
        rows = rows[np.argsort(table[newest_first].to_numpy()[rows], kind="stable")[::-1]]
    id_column = KIND[kind].id_column
    picked = table.iloc[rows[:MAX_LINKS]][[id_column, *LINE_COLUMNS[kind]]].to_dict("records")
    links = tuple(Link(text(r[id_column]), kind, _line(kind, r)) for r in picked)
    return LinkGroup(title, links, len(rows))


def _ids_group(ds: Dataset, title: str, kind: str, ids: Iterable[str]) -> LinkGroup | None:
    table = _table(ds, KIND[kind])
    return _group(title, kind, table, table[KIND[kind].id_column].astype(str).isin(list(ids)).to_numpy(dtype=bool))


def _records_named(ds: Dataset, ids: Iterable[str], title: str) -> list[LinkGroup | None]:
    """Records of any kind named in a list (a fact check's records), grouped by kind."""
    wanted = list(dict.fromkeys(ids))
    out = []
    for kind in KINDS:
        column = _table(ds, kind)[kind.id_column].astype(str)
        present = [i for i in wanted if i in set(column[column.isin(wanted)])]
        if present:
            out.append(_ids_group(ds, f"{title}: {kind.label.lower()}s", kind.key, present))
    return out


# ---- lookup --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    kind: str
    kind_label: str
    id: str
    label: str


def matches(ds: Dataset, record_id: str) -> list[Match]:
    """Every record whose id is `record_id`, of any kind (one in the bundled data; two would be ambiguous)."""
    found = []
    for kind in KINDS:
        row = _row(ds, kind, record_id)
        if row is not None:
            found.append(Match(kind.key, kind.label, record_id, _line(kind.key, row)))
    return found


def find(ds: Dataset, record_id: str, kind: str | None = None) -> Record | None:
    """The record with this id (of `kind` when given, else the first kind that has it); None when none has it."""
    for k in KINDS if kind is None else [KIND[kind]] if kind in KIND else []:
        row = _row(ds, k, record_id)
        if row is not None:
            return _BUILDERS[k.key](ds, row)
    return None


# ---- sources, flags and fact checks -------------------------------------------------------------------------
def _source_refs(ds: Dataset, ids: Iterable[str]) -> tuple[SourceRef, ...]:
    wanted = list(dict.fromkeys(ids))
    rows = ds.sources[ds.sources["source_id"].astype(str).isin(wanted)].set_index("source_id", drop=False)
    checks = ds.fact_checks[ds.fact_checks["source_id"].astype(str).isin(wanted)]
    refs = []
    for source_id in wanted:
        if source_id not in rows.index:
            refs.append(SourceRef(source_id, known=False))
            continue
        r = rows.loc[source_id]
        mine = checks[checks["source_id"].astype(str) == source_id]
        refs.append(
            SourceRef(
                id=source_id,
                known=True,
                outlet=text(r["outlet"]),
                title=text(r["title"]),
                url=text(r["url"]),
                href=safe_href(r["url"]),
                type_label=ds.label("source_type", text(r["source_type"])),
                published=_date(r["published"]) or NOT_RECORDED,
                reliability_notes=text(r["reliability_notes"]),
                checks=tuple(
                    CheckRef(text(c["check_id"]), ds.label("verdict", text(c["verdict"])), text(c["claim"]))
                    for _, c in mine.iterrows()
                ),
            )
        )
    return tuple(refs)


def _checks_naming(ds: Dataset, record_id: str) -> pd.DataFrame:
    return ds.fact_checks[_citing(ds.fact_checks["record_ids"], record_id)]


def _checks_group(ds: Dataset, record_id: str) -> LinkGroup | None:
    return _group("Fact checks naming it", "check", ds.fact_checks, _citing(ds.fact_checks["record_ids"], record_id))


def _flags(ds: Dataset, r: pd.Series, record_id: str, n_sources: int) -> tuple[str, ...]:
    flags = []
    if "disputed" in r.index and bool(r["disputed"]):
        flags.append(FLAG_TEXTS["disputed"])
    if "confidence" in r.index and text(r["confidence"]) == "low":
        flags.append(FLAG_TEXTS["low"])
    if n_sources == 1:  # only for the sources a record cites (a fact check's or a source's own list is no claim)
        flags.append(FLAG_TEXTS["single"])
    for _, c in _checks_naming(ds, record_id).iterrows():
        if text(c["verdict"]) in DOUBTFUL_VERDICTS:
            verdict = ds.label("verdict", text(c["verdict"]))
            flags.append(f"Fact check {text(c['check_id'])} found a claim behind it {verdict}: {text(c['claim'])}")
    return tuple(flags)


def _record(ds: Dataset, kind: str, r: pd.Series, title: str, pairs, groups, *, sources: str = "source_ids") -> Record:
    record_id = text(r[KIND[kind].id_column])
    source_ids = split_ids(r[sources]) if sources in r.index else []
    origin = [("Origin", "imported by an analyst")] if text(r.get("origin")) == IMPORTED else []
    return Record(
        id=record_id,
        kind=kind,
        kind_label=KIND[kind].label,
        title=title or record_id,
        fields=_fields([("Id", record_id), *pairs, *origin]),
        flags=_flags(ds, r, record_id, len(source_ids) if sources == "source_ids" else 0),
        sources=_source_refs(ds, source_ids),
        links=tuple(g for g in groups if g is not None),
    )


def _confidence(ds: Dataset, r: pd.Series) -> str:
    return ds.label("confidence", text(r["confidence"]))


def _actor_group(ds: Dataset, title: str, *ids: object) -> LinkGroup | None:
    return _ids_group(ds, title, "actor", [i for i in (text(x) for x in ids) if i])


def _round_group(ds: Dataset, talk_id: object, title: str = "Round") -> LinkGroup | None:
    return _ids_group(ds, title, "round", [text(talk_id)]) if text(talk_id) else None


# ---- one builder per kind -----------------------------------------------------------------------------------
def _round(ds: Dataset, r: pd.Series) -> Record:
    talk_id = text(r["talk_id"])
    start, end = _date(r["start_date"]), _date(r["end_date"])
    place = ", ".join(p for p in (text(r["venue"]), text(r["city"]), text(r["country_iso3"])) if p)
    people = ds.participants[_equal(ds.participants["talk_id"], talk_id)]
    roles = ds.labels.get("participant_role", {})
    participants = tuple(
        Link(
            text(p["actor_id"]),
            "actor",
            f"{text(p['actor_name'])} — {roles.get(text(p['role']), text(p['role']))}"
            + (f", led by {text(p['head_name'])}" if text(p["head_name"]) else ""),
        )
        for _, p in people.iterrows()
    )
    heads = [text(h) for h in people["delegation_head_id"] if text(h)]
    return _record(
        ds,
        "round",
        r,
        text(r["title"]),
        [
            ("Dates", start if start == end else f"{start} – {end}"),
            ("Status", ds.label("talk_status", text(r["status"]))),
            ("Format", ds.label("talk_format", text(r["format"]))),
            ("Process", ds.label("process", text(r["process_id"]))),
            ("Place", place),
            ("Parties", r["parties"]),
            ("Mediators", r["mediators"]),
            ("Hosts", r["hosts"]),
            ("Delegation heads", r["delegation_heads"]),
            ("Outcome", r["outcome"]),
            ("Prisoners agreed per side", r["prisoners_per_side"]),
            ("Confidence", _confidence(ds, r)),
            ("Disputed", _yes_no(r["disputed"])),
            ("Notes", r["notes"]),
        ],
        [
            LinkGroup("Participants", participants[:MAX_LINKS], len(participants)) if participants else None,
            _actor_group(ds, "Delegation heads", *heads),
            _group("Agreed items", "item", ds.items, _equal(ds.items["talk_id"], talk_id)),
            _group("Positions stated at this round", "position", ds.positions,
                   _equal(ds.positions["talk_id"], talk_id)),
            _group("Reactions to this round", "reaction", ds.reactions, _equal(ds.reactions["talk_id"], talk_id)),
            _group("Commitment events of its agreed items", "event", ds.commitments,
                   _equal(ds.commitments["talk_id"], talk_id)),
            _checks_group(ds, talk_id),
        ],
    )  # fmt: skip


def _statement_fields(ds: Dataset, r: pd.Series, stance_scheme: str) -> list[tuple[str, object]]:
    return [
        ("Date", _date(r["date"])),
        ("Party" if stance_scheme == "position_stance" else "Actor", r["actor_name"]),
        ("Speaker", r["speaker_name"]),
    ]


def _position(ds: Dataset, r: pd.Series) -> Record:
    position_id = text(r["position_id"])
    # The table is in date order: the party's statements on the issue before and after this one, by row.
    same = np.flatnonzero(
        _equal(ds.positions["actor_id"], text(r["actor_id"])) & _equal(ds.positions["issue_id"], text(r["issue_id"]))
    )
    at = int(np.flatnonzero(ds.positions["position_id"].astype(str).to_numpy()[same] == position_id)[0])

    def neighbour(step: int) -> np.ndarray:
        mask = np.zeros(len(ds.positions), dtype=bool)
        if 0 <= at + step < len(same):
            mask[same[at + step]] = True
        return mask

    option = text(r["option_label"])
    rank = r["option_rank"]
    scale = int((ds.issue_options["issue_id"].astype(str) == text(r["issue_id"])).sum())
    if option and not pd.isna(rank):
        option = f"{option} (rank {int(rank)} of {scale}: 1 is Ukraine's end of the scale)"
    return _record(
        ds,
        "position",
        r,
        f"{text(r['actor_name'])} on {text(r['issue_label'])}, {_date(r['date'])}",
        [
            *_statement_fields(ds, r, "position_stance"),
            ("Issue", r["issue_label"]),
            ("Stance", r["stance_label"]),
            ("Option on the issue's scale", option),
            ("Summary", r["summary"]),
            ("Conditions", r["conditions"]),
            ("Round", r["talk_title"]),
            ("Confidence", _confidence(ds, r)),
            ("Disputed", _yes_no(r["disputed"])),
            ("Notes", r["notes"]),
        ],
        [
            _round_group(ds, r["talk_id"]),
            _actor_group(ds, "Party and speaker", r["actor_id"], r["speaker_id"]),
            _group("Previous position of the party on this issue", "position", ds.positions, neighbour(-1)),
            _group("Next position of the party on this issue", "position", ds.positions, neighbour(1)),
            _checks_group(ds, position_id),
        ],
    )  # fmt: skip


def _reaction(ds: Dataset, r: pd.Series) -> Record:
    return _record(
        ds,
        "reaction",
        r,
        f"{text(r['actor_name'])}, {_date(r['date'])}",
        [
            *_statement_fields(ds, r, "reaction_stance"),
            ("Answers", r["event"]),
            ("Round", r["talk_title"]),
            ("Stance", r["stance_label"]),
            ("Summary", r["summary"]),
            ("Confidence", _confidence(ds, r)),
            ("Disputed", _yes_no(r["disputed"])),
            ("Notes", r["notes"]),
        ],
        [
            _round_group(ds, r["talk_id"], "Round it answers"),
            _actor_group(ds, "Actor and speaker", r["actor_id"], r["speaker_id"]),
            _checks_group(ds, text(r["reaction_id"])),
        ],
    )


def _item(ds: Dataset, r: pd.Series) -> Record:
    item_id = text(r["item_id"])
    events = ds.commitments[ds.commitments["item_id"].astype(str) == item_id]
    latest = events[events["is_latest"].astype(bool)]
    quantity = f"{text(r['quantity'])} {text(r['quantity_unit'])}".strip() if text(r["quantity"]) else ""
    return _record(
        ds,
        "item",
        r,
        f"{text(r['issue_label'])}: {shorten(text(r['summary']), 80)}",
        [
            ("Round", r["talk_title"]),
            ("Issue", r["issue_label"]),
            ("What was agreed", r["summary"]),
            ("Quantity", quantity),
            ("Status", ds.label("item_status", text(r["status"]))),
            ("Latest commitment status", latest["status_label"].iloc[0] if len(latest) else ""),
            ("Confidence", _confidence(ds, r)),
        ],
        [
            _round_group(ds, r["talk_id"], "Round where it was agreed"),
            _group("Commitment events", "event", events),
            _checks_group(ds, item_id),
        ],
    )


def _event(ds: Dataset, r: pd.Series) -> Record:
    level = r["level"]
    status = text(r["status_label"]) + (f" (level {int(level)} of 3)" if not pd.isna(level) else " (off the 0–3 scale)")
    siblings = ds.commitments[ds.commitments["item_id"].astype(str) == text(r["item_id"])]
    others = siblings[siblings["event_id"].astype(str) != text(r["event_id"])]
    return _record(
        ds,
        "event",
        r,
        f"{shorten(text(r['summary']), 80)}: {text(r['status_label'])}, {_date(r['date'])}",
        [
            ("Commitment", r["summary"]),
            ("Round", r["talk_title"]),
            ("Date", _date(r["date"])),
            ("Status", status),
            ("Latest status of the commitment", r["latest_status_label"]),
            ("Confidence", _confidence(ds, r)),
            ("Note", r["note"]),
        ],
        [
            _ids_group(ds, "Agreed item", "item", [text(r["item_id"])]),
            _round_group(ds, r["talk_id"]),
            _group("Other events of this commitment", "event", others),
        ],
    )


def _source(ds: Dataset, r: pd.Series) -> Record:
    source_id = text(r["source_id"])
    citing = [
        _group(title, kind, frame, _citing(frame[column], source_id), newest_first=date)
        for title, kind, frame, column, date in (
            ("Rounds citing it", "round", ds.talks, "source_ids", "start_date"),
            ("Positions citing it", "position", ds.positions, "source_ids", "date"),
            ("Reactions citing it", "reaction", ds.reactions, "source_ids", "date"),
            ("Agreed items citing it", "item", ds.items, "source_ids", None),
            ("Commitment events citing it", "event", ds.commitments, "source_ids", "date"),
            ("Plans citing it", "plan", ds.plans, "source_ids", "presented"),
            ("Plan provisions citing it", "provision", ds.provisions, "source_ids", None),
            ("Fact checks that checked against it", "check", ds.fact_checks, "check_source_ids", None),
        )
    ]
    checks = ds.fact_checks[ds.fact_checks["source_id"].astype(str) == source_id]
    return _record(
        ds,
        "source",
        r,
        text(r["title"]) or text(r["outlet"]),
        [
            ("Outlet", r["outlet"]),
            ("Title", r["title"]),
            ("Published", _date(r["published"]) or NOT_RECORDED),
            ("Type", ds.label("source_type", text(r["source_type"]))),
            ("Address", r["url"]),
            ("Reliability notes", text(r["reliability_notes"]) or NOT_RECORDED),
            ("Records citing it", f"{int(r['n_records']):,}"),
        ],
        [_group("Fact checks of this source", "check", checks), *citing],
        sources="source_id",  # the source itself, with its address as a link and its fact-check verdicts
    )


def _check(ds: Dataset, r: pd.Series) -> Record:
    checked = ds.sources[ds.sources["source_id"].astype(str) == text(r["source_id"])]
    article = (
        " · ".join(p for p in (text(checked["outlet"].iloc[0]), text(checked["title"].iloc[0])) if p)
        if len(checked)
        else text(r["source_id"])
    )
    return _record(
        ds,
        "check",
        r,
        shorten(text(r["claim"]), 120),
        [
            ("Article checked", article),
            ("Claim", r["claim"]),
            ("Verdict", ds.label("verdict", text(r["verdict"]))),
            ("What other sources say", r["note"]),
        ],
        [
            _ids_group(ds, "Article checked", "source", [text(r["source_id"])]),
            *_records_named(ds, split_ids(r["record_ids"]), "Records carrying the claim"),
        ],
        sources="check_source_ids",  # the sources the claim was checked against
    )


def _actor(ds: Dataset, r: pd.Series) -> Record:
    actor_id = text(r["actor_id"])

    def by(frame: pd.DataFrame) -> np.ndarray:
        return _equal(frame["actor_id"], actor_id) | _equal(frame["speaker_id"], actor_id)

    seats = ds.participants[
        _equal(ds.participants["actor_id"], actor_id) | _equal(ds.participants["delegation_head_id"], actor_id)
    ]
    rounds = ds.talks[ds.talks["talk_id"].astype(str).isin(seats["talk_id"].astype(str))]
    plans = ds.plans[_citing(ds.plans["proposer_ids"], actor_id)]
    members = ds.actors[ds.actors["affiliation"].astype(str) == actor_id]
    return _record(
        ds,
        "actor",
        r,
        text(r["name"]),
        [
            ("Name", r["name"]),
            ("Type", ds.label("actor_type", text(r["actor_type"]))),
            ("Country code", r["country_iso3"]),
            ("Speaks for", r["affiliation_name"]),
            ("Also known as", "; ".join(split_ids(r["aliases"]))),
        ],
        [
            _actor_group(ds, "Speaks for", r["affiliation"]),
            _group("Rounds at the table", "round", rounds, newest_first="start_date"),
            _group("Positions held or voiced", "position", ds.positions, by(ds.positions), newest_first="date"),
            _group("Reactions", "reaction", ds.reactions, by(ds.reactions), newest_first="date"),
            _group("Peace plans proposed", "plan", plans, newest_first="presented"),
            _group("People who speak for it", "actor", members),
        ],
        sources="",
    )  # fmt: skip


def _plan(ds: Dataset, r: pd.Series) -> Record:
    plan_id = text(r["plan_id"])
    later = ds.plans[ds.plans["superseded_by"].astype(str) == plan_id]
    return _record(
        ds,
        "plan",
        r,
        text(r["title"]),
        [
            ("Title", r["title"]),
            ("Proposed by", r["proposer_names"]),
            ("Presented", _date(r["presented"])),
            ("Status", r["status_label"]),
            ("Superseded by", r["superseded_by_title"]),
            ("Points coded", f"{int(r['n_provisions']):,}"),
            ("Confidence", _confidence(ds, r)),
            ("Notes", r["notes"]),
        ],
        [
            _group("Provisions", "provision", ds.provisions[ds.provisions["plan_id"].astype(str) == plan_id]),
            _actor_group(ds, "Proposed by", *split_ids(r["proposer_ids"])),
            _ids_group(ds, "Superseded by", "plan", [text(r["superseded_by"])]),
            _group("Plans it replaced", "plan", later),
        ],
    )


def _provision(ds: Dataset, r: pd.Series) -> Record:
    return _record(
        ds,
        "provision",
        r,
        f"{text(r['plan_title'])}, point {text(r['point'])}",
        [
            ("Plan", r["plan_title"]),
            ("Point", r["point"]),
            ("Issue", r["issue_label"]),
            ("Option on the issue's scale", r["option_label"]),
            ("Summary", r["summary"]),
            ("Confidence", _confidence(ds, r)),
            ("Notes", r["notes"]),
        ],
        [_ids_group(ds, "Plan", "plan", [text(r["plan_id"])])],
    )


_BUILDERS: dict[str, Callable[[Dataset, pd.Series], Record]] = {
    "round": _round,
    "position": _position,
    "reaction": _reaction,
    "item": _item,
    "event": _event,
    "source": _source,
    "check": _check,
    "actor": _actor,
    "plan": _plan,
    "provision": _provision,
}
