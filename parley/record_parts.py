"""The parts a record page is made of (kinds, links, sources, flags) and the helpers that build them from a Dataset.

Linked-record lists are built from a row mask and capped (a party with a million statements must not send them all),
with the full count kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from parley.building import IMPORTED
from parley.filters import format_date
from parley.loading import Dataset
from parley.record_links import safe_href, split_ids, text
from parley.text import shorten

MAX_LINKS = 50  # linked records listed per group; the group keeps the full count
NOT_RECORDED = "not recorded"
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
    categories = values.cat.categories
    # A vectorised substring test first: only the few lists that contain the text are split and checked exactly.
    maybe = np.flatnonzero(pd.Series(categories).str.contains(record_id, regex=False).to_numpy(dtype=bool))
    hits = [i for i in maybe if record_id in split_ids(categories[i])]
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
