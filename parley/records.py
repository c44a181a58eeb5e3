"""One page per record: any id in the data resolved to its fields in words, its sources and its links both ways.

Pure: `find(ds, id)` gives a Record the page only displays, so every id can be checked without Streamlit. Ids are
unique across tables in the bundled data; where an id names records of two kinds, `matches` lists both and the page
asks which one (`kind` narrows it). The parts are in parley.record_parts, the table links in parley.record_links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from parley.loading import Dataset
from parley.record_links import (  # noqa: F401  (the public API of record pages, in one place)
    AUTO_LINKS,
    ID_COLUMNS,
    LINK_DISPLAY,
    link_cell,
    link_label,
    safe_href,
    split_ids,
    text,
)
from parley.record_parts import (  # noqa: F401
    KIND,
    KINDS,
    MAX_LINKS,
    NOT_RECORDED,
    CheckRef,
    Kind,
    Link,
    LinkGroup,
    Record,
    SourceRef,
    _actor_group,
    _checks_group,
    _citing,
    _confidence,
    _date,
    _equal,
    _group,
    _ids_group,
    _line,
    _record,
    _records_named,
    _round_group,
    _row,
    _yes_no,
)
from parley.text import shorten


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
