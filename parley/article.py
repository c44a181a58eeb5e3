"""An article coded in the browser: the draft, the JSON bundle it becomes, the next free ids, nearest-code hints.

Pure Python. The draft is plain JSON-able data (it is saved as it is); the bundle it becomes is the importer's own
article-bundle format, so a form-coded article is checked and written by exactly the code that imports files.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parley import schema as s
from parley.importer import BUNDLE_FORMAT, source_id_for
from parley.validation import Problem

BUNDLE_FILE = "article.json"  # the name problems are reported under
ARTICLE_FIELDS = ("url", "outlet", "title", "published", "source_type", "reliability_notes")
# What the forms fill in, in the bundle's order; ids and source_ids are given when the bundle is built. Issue options
# and plans are not here: they change only with a data release (schema.RELEASE_TABLES).
FORM_TABLES = tuple(t for t in s.RECORD_TABLES if t != "sources")  # the article and further sources: own fields
ID_PREFIX = {"positions": "pos", "reactions": "rea", "agreed_items": "itm", "commitment_events": "cev"}
ID_COLUMN = {
    "positions": "position_id",
    "reactions": "reaction_id",
    "agreed_items": "item_id",
    "talks": "talk_id",
    "commitment_events": "event_id",
    "plan_provisions": "provision_id",
}
# Records whose id is kept in the draft once added, because other drafted records name them (a round: its
# participants, items and positions; an agreed item: its commitment events) or because it follows from fields that
# must not shift later (a provision: its plan and point).
KEPT_IDS = ("talks", "agreed_items", "plan_provisions")
MIN_ID_DIGITS = 4
MAX_SLUG = 40  # characters of the city in a round's id: ids appear in links and file names


def empty_draft() -> dict[str, object]:
    return {
        "source": {name: "" for name in ARTICLE_FIELDS},
        "sources": [],  # further articles the records may cite
        **{table: [] for table in FORM_TABLES},  # actors are the ones added inline
    }


def as_draft(saved: Mapping[str, object]) -> dict[str, object]:
    """A saved draft with every key of today's drafts: one saved before rounds, participants and agreed items could
    be coded lacks their lists."""
    draft = empty_draft() | dict(saved)
    draft["source"] = empty_draft()["source"] | dict(draft.get("source") or {})  # type: ignore[call-overload]
    for name in ("sources", *FORM_TABLES):
        if not isinstance(draft.get(name), list):
            draft[name] = []
    return draft


def draft_title(draft: Mapping[str, object]) -> str:
    source = draft.get("source") or {}
    assert isinstance(source, Mapping)
    return str(source.get("title") or source.get("url") or "(untitled article)")


def draft_size(draft: Mapping[str, object]) -> int:
    return sum(len(_list(draft, name)) for name in ("sources", *FORM_TABLES))


def _list(mapping: Mapping[str, object], name: str) -> list:
    value = mapping.get(name)
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class IdCeiling:
    """All a new `pos-NNNN` id needs from the ids in use: the highest number and the widest number among them."""

    top: int = 0
    width: int = MIN_ID_DIGITS

    def joined(self, other: IdCeiling) -> IdCeiling:
        return IdCeiling(max(self.top, other.top), max(self.width, other.width))


def id_ceiling(ids: Iterable[str] | pd.Series, table: str) -> IdCeiling:
    """The ceiling of the ids in use; vectorised, since a table may hold a million (a few tens of ms)."""
    text = pa.array(ids if isinstance(ids, pd.Series) else list(ids), type=pa.string())
    numbers = pc.drop_null(pc.struct_field(pc.extract_regex(text, rf"^{ID_PREFIX[table]}-(?P<n>\d+)$"), [0]))
    if not len(numbers):
        return IdCeiling()
    top = pc.max(pc.cast(numbers, pa.int64())).as_py()
    return IdCeiling(top, max(MIN_ID_DIGITS, pc.max(pc.utf8_length(numbers)).as_py()))


def _as_ceiling(existing: Iterable[str] | IdCeiling, table: str) -> IdCeiling:
    return existing if isinstance(existing, IdCeiling) else id_ceiling(existing, table)


def next_ids(existing: Iterable[str] | IdCeiling, table: str, n: int) -> list[str]:
    """The next n ids after the highest `pos-NNNN` (or `rea-NNNN`, `itm-NNNN`) in use, as wide as the widest in use."""
    ceiling = _as_ceiling(existing, table)
    return [f"{ID_PREFIX[table]}-{ceiling.top + i:0{ceiling.width}d}" for i in range(1, n + 1)]


def provision_id_for(plan_id: str, point: str, issue_id: str, taken: Iterable[str]) -> str:
    """A provision's id in the bundled style, `<plan id>.<point>` (istanbul-2022.3); a point already taken by another
    provision adds the issue (`us-28-point-2025.24-prisoners`), then -2, -3 ..."""
    used = set(taken)
    base = f"{plan_id.strip() or 'plan'}.{str(point).strip() or 'point'}"
    if base not in used:
        return base
    base = f"{base}-{slug(issue_id) or 'issue'}"
    n, provision_id = 1, base
    while provision_id in used:
        n += 1
        provision_id = f"{base}-{n}"
    return provision_id


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by '-' ('Abu Dhabi' -> 'abu-dhabi', 'Genève' -> 'geneve')."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")[:MAX_SLUG].strip("-")


def talk_id_for(start_date: str, city: str, taken: Iterable[str]) -> str:
    """A round's id in the bundled style, `<start date>-<city>` (2025-06-02-istanbul), with -2, -3 ... when a round
    of that day and city is already recorded or drafted."""
    base = f"{start_date.strip() or 'undated'}-{slug(city) or 'round'}"
    used = set(taken)
    n, talk_id = 1, base
    while talk_id in used:
        n += 1
        talk_id = f"{base}-{n}"
    return talk_id


def article_source_id(url: str, known: Mapping[str, str]) -> str:
    """The id of the article at this URL: the recorded source's id when the URL is already recorded (`known` maps
    URL to id), else the id the importer gives a URL."""
    url = url.strip()
    return known.get(url) or source_id_for(url)


@dataclass(frozen=True)
class Built:
    """A bundle ready for the importer, and the id each drafted record was given (in draft order)."""

    bundle: dict[str, object]
    ids: dict[str, list[str]]

    def to_bytes(self) -> bytes:
        return json.dumps(self.bundle, ensure_ascii=False, indent=2).encode("utf-8")


def _cited(record: Mapping[str, object], default: str) -> list[str]:
    extra = [str(v) for v in _list(record, "source_ids") if str(v).strip()]
    return extra or [default]


def to_bundle(
    draft: Mapping[str, object],
    existing_ids: Mapping[str, Iterable[str] | IdCeiling],
    known_urls: Mapping[str, str],
    *,
    candidates: Mapping[str, Mapping[str, object]] | None = None,
) -> Built:
    """The draft as an article bundle. Record ids continue after `existing_ids`; a record cites the article unless
    it names its sources; a round's id is `<start date>-<city>`, unique against `existing_ids` and the draft; the
    article (and each further source) is left out when its URL is already recorded, and cited by the recorded id.
    `candidates` ({table: record}) are appended last to their tables: the records being entered, checked with the
    rest."""
    candidates = candidates or {}
    article = dict(draft.get("source") or {})  # type: ignore[call-overload]
    url = str(article.get("url") or "").strip()
    article_id = article_source_id(url, known_urls) if url else ""
    bundle: dict[str, object] = {"format": BUNDLE_FORMAT}
    sources = []
    if url and url not in known_urls:
        sources.append({"source_id": article_id, **{k: str(article.get(k) or "").strip() for k in ARTICLE_FIELDS}})
    for extra in draft.get("sources") or []:  # type: ignore[attr-defined]
        extra_url = str(extra.get("url") or "").strip()
        if extra_url and extra_url not in known_urls and extra_url != url:
            sources.append(
                {"source_id": source_id_for(extra_url), **{k: str(extra.get(k) or "") for k in ARTICLE_FIELDS}}
            )
    bundle["sources"] = sources
    bundle["actors"] = [dict(a) for a in draft.get("actors") or []]  # type: ignore[attr-defined]
    if "actors" in candidates:
        bundle["actors"].append(dict(candidates["actors"]))  # type: ignore[attr-defined]
    ids: dict[str, list[str]] = {}
    for table in FORM_TABLES[1:]:
        records = [dict(r) for r in draft.get(table) or []]  # type: ignore[attr-defined]
        if table in candidates:
            records.append(dict(candidates[table]))
        if table == "talks":
            ids[table] = _talk_ids(records, existing_ids.get(table, ()))
        elif table == "plan_provisions":
            ids[table] = _provision_ids(records, existing_ids.get(table, ()))
        elif table in KEPT_IDS:
            ids[table] = _kept_ids(records, existing_ids.get(table, ()), table)
        elif table in ID_PREFIX:
            ids[table] = next_ids(existing_ids.get(table, ()), table, len(records))
        cites = "source_ids" in s.TABLES_BY_NAME[table].column_names
        column = ID_COLUMN.get(table)
        bundle[table] = [
            {
                **({column: ids[table][i]} if column else {}),
                **{k: v for k, v in r.items() if k != column},
                **({"source_ids": _cited(r, article_id)} if cites else {}),
            }
            for i, r in enumerate(records)
        ]
    if not bundle["sources"]:
        del bundle["sources"]
    return Built(bundle, ids)


def _talk_ids(records: Sequence[Mapping[str, object]], existing: Iterable[str]) -> list[str]:
    """A drafted round keeps the id it was given when it was added (participants, items and positions of the draft
    name it); one not yet added gets the next free id for its day and city."""
    taken = {*existing, *(str(r["talk_id"]) for r in records if r.get("talk_id"))}
    ids = []
    for record in records:
        given = str(record.get("talk_id") or "")
        if not given:
            given = talk_id_for(str(record.get("start_date") or ""), str(record.get("city") or ""), taken)
            taken.add(given)
        ids.append(given)
    return ids


def _kept_ids(records: Sequence[Mapping[str, object]], existing: Iterable[str] | IdCeiling, table: str) -> list[str]:
    """A drafted record keeps the id it was given when it was added (other drafted records name it); one not yet
    added (or from a draft saved before ids were kept) gets the next free id after everything in use."""
    column = ID_COLUMN[table]
    given = [str(r.get(column) or "") for r in records]
    in_use = _as_ceiling(existing, table).joined(id_ceiling(filter(None, given), table))
    fresh = iter(next_ids(in_use, table, given.count("")))
    return [g or next(fresh) for g in given]


def _provision_ids(records: Sequence[Mapping[str, object]], existing: Iterable[str]) -> list[str]:
    """A drafted provision keeps its id; one not yet added gets `<plan id>.<point>`, unique."""
    taken = {*existing, *(str(r["provision_id"]) for r in records if r.get("provision_id"))}
    ids = []
    for record in records:
        given = str(record.get("provision_id") or "")
        if not given:
            plan, point, issue = (str(record.get(k) or "") for k in ("plan_id", "point", "issue_id"))
            given = provision_id_for(plan, point, issue, taken)
            taken.add(given)
        ids.append(given)
    return ids


def problems_of(problems: Sequence[Problem], table: str, number: int) -> list[Problem]:
    """The problems of the `number`th record (from 1) of a table in the bundle."""
    return [p for p in problems if p.file == f"{BUNDLE_FILE} [{table}]" and p.row == number]


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()


def nearest_codes(value: str, candidates: Iterable[tuple[str, str, str]], n: int = 3) -> list[tuple[str, str]]:
    """The codes nearest a typed value, by id, name and aliases (`candidates`: id, name, ';'-separated aliases),
    as (id, name), best first."""
    wanted = _folded(value)
    if not wanted:
        return []
    scores: dict[str, tuple[float, str]] = {}
    for code, name, aliases in candidates:
        words = [code, name, *[a for a in (aliases or "").split(s.LIST_SEP) if a.strip()]]
        best = 0.0
        for word in words:
            folded = _folded(word)
            if not folded:
                continue
            ratio = difflib.SequenceMatcher(None, wanted, folded).ratio()
            if folded.startswith(wanted) or wanted.startswith(folded):
                ratio = max(ratio, 0.8)
            best = max(best, ratio)
        if best >= 0.6:
            scores[code] = (best, name)
    ranked = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))
    top = ranked[0][1][0] if ranked else 0.0
    # Only the close runners-up: an exact name match should not come with a far-off second guess.
    return [(code, name) for code, (score, name) in ranked[:n] if score >= top - 0.1]
