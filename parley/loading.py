"""Read the CSV tables, validate them, and build one typed, enriched Dataset for the pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from parley import schema as s
from parley.aggregate import issue_links, prisoner_counts
from parley.store import Store, layered
from parley.validation import (
    DataValidationError,
    Problem,
    codes_from,
    split_ids,
    validate_links,
    validate_table,
)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUNDLED = "bundled"
REPEATED_TEXT = (
    "actor_id",
    "speaker_id",
    "talk_id",
    "actor_name",
    "speaker_name",
    "talk_title",
    "stance_label",
    "issue_label",
    "flags",
    "actor_type",
    "country_iso3",
    "origin",
    "role",
    "head_name",
    "delegation_head_id",
)
IMPORTED = "imported"


def decode_text(file: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    """The text of an uploaded or bundled file, or the one problem that stops it being read."""
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        return None, [Problem.whole_file(file, "file is empty: expected a header row and records")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        return None, [Problem.whole_file(file, f"file is not UTF-8 text (byte {err.start})")]


def read_table_bytes(name: str, raw: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one CSV file's bytes as all-text columns; a file that cannot be parsed is one problem, not a crash."""
    file = f"{name}.csv" if not name.endswith(".csv") else name
    text, problems = decode_text(file, raw)
    if text is None:
        return None, problems
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, csv.Error) as err:
        return None, [Problem.whole_file(file, f"not a valid CSV file: {err}")]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(lambda v: v.strip() if isinstance(v, str) else v), []


def read_raw_tables(data_dir: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in s.TABLES:
        path = data_dir / table.file
        if not path.exists():
            problems.append(Problem.whole_file(table.file, f"file is missing from {data_dir}"))
            continue
        frame, found = read_table_bytes(table.name, path.read_bytes())
        problems += found
        if frame is not None:
            frames[table.name] = frame
    return frames, problems


def validate_frames(frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    codebook = frames.get("codebook", pd.DataFrame())
    issues = frames.get("issues", pd.DataFrame())
    codes = codes_from(codebook, issues)
    problems: list[Problem] = []
    for table in s.TABLES:
        if table.name in frames:
            problems += validate_table(table, frames[table.name], codes)
    if not problems:  # links are only meaningful once every table has the right shape
        problems += validate_links(frames)
    return problems


@dataclass(frozen=True)
class Dataset:
    """Every table, typed and enriched for display. Treat as read-only: it is shared between sessions."""

    version: str
    sources: pd.DataFrame
    actors: pd.DataFrame
    issues: pd.DataFrame
    codebook: pd.DataFrame
    talks: pd.DataFrame
    participants: pd.DataFrame
    items: pd.DataFrame
    positions: pd.DataFrame
    reactions: pd.DataFrame
    fact_checks: pd.DataFrame
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @cached_property
    def issue_links(self) -> pd.DataFrame:
        """Which issues each round touched (through positions and agreed items), computed once per dataset."""
        return issue_links(self.positions, self.items, self.talks)

    @cached_property
    def talk_ids(self) -> frozenset[str]:
        return frozenset(self.talks["talk_id"])

    @cached_property
    def filter_actors(self) -> list[str]:
        """Actors offered in the party filter: parties first, then reacting actors, most active first."""
        reacting = self.reactions["actor_id"].astype(str).value_counts().index.tolist()
        return list(dict.fromkeys([*self.parties, *reacting]))

    def label(self, scheme: str, code: str) -> str:
        return self.labels.get(scheme, {}).get(code, code)

    def actor_name(self, actor_id: str) -> str:
        return self.labels.get("actor", {}).get(actor_id, actor_id)

    @cached_property
    def parties(self) -> list[str]:
        """Actors that hold positions or sit at the table as a party, most active first."""
        counts = pd.concat(
            [
                self.positions["actor_id"],
                self.participants.loc[self.participants["role"] == "party", "actor_id"],
            ]
        ).value_counts()
        return [a for a in counts.index if a in self.labels.get("actor", {})]

    @cached_property
    def date_span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        dates = pd.concat(
            [self.talks["start_date"], self.talks["end_date"], self.positions["date"], self.reactions["date"]]
        ).dropna()
        return dates.min(), dates.max()


def _labels(codebook: pd.DataFrame, issues: pd.DataFrame, actors: pd.DataFrame) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for scheme, group in codebook.groupby("scheme"):
        labels[str(scheme)] = dict(zip(group["code"], group["label"], strict=True))
    labels["issue"] = dict(zip(issues["issue_id"], issues["label"], strict=True))
    labels["actor"] = dict(zip(actors["actor_id"], actors["name"], strict=True))
    return labels


def _typed(table: s.Table, frame: pd.DataFrame, codes: Mapping[str, list[str]]) -> pd.DataFrame:
    out = frame.copy()
    for col in table.columns:
        if col.kind == s.DATE:
            out[col.name] = pd.to_datetime(out[col.name].replace("", None), format="%Y-%m-%d")
        elif col.kind == s.BOOL:
            out[col.name] = out[col.name].eq("true")
        elif col.kind == s.INT:
            out[col.name] = pd.to_numeric(out[col.name].replace("", None)).astype("Int64")
        elif col.kind == s.CODE and col.scheme in codes:
            out[col.name] = pd.Categorical(out[col.name], categories=codes[col.scheme])
    return out


def _n_sources(frame: pd.DataFrame) -> pd.Series:
    return frame["source_ids"].map(lambda cell: len(set(split_ids(cell)))).astype("int64")


def _flags(frame: pd.DataFrame) -> pd.Series:
    """One readable column that says why a record needs care; empty when it does not."""
    if frame.empty:
        return pd.Series([], dtype=str, index=frame.index)
    disputed = frame["disputed"].map({True: "disputed", False: ""}).astype(str)
    low = (frame["confidence"] == "low").map({True: "low confidence", False: ""}).astype(str)
    single = (frame["n_sources"] == 1).map({True: "single source", False: ""}).astype(str)
    keys = disputed + "|" + low + "|" + single
    # Only eight combinations exist: build each text once, not once per row.
    texts = {key: ", ".join(part for part in key.split("|") if part) for key in keys.unique()}
    return keys.map(texts).astype(str)


def build_dataset(frames: Mapping[str, pd.DataFrame], version: str) -> Dataset:
    """Type the validated raw frames and add the joined columns the pages show."""
    codebook = frames["codebook"]
    issues = frames["issues"]
    codes: dict[str, list[str]] = {str(k): list(g["code"]) for k, g in codebook.groupby("scheme", sort=False)}
    codes["issue"] = list(issues["issue_id"])
    t = {table.name: _typed(table, frames[table.name], codes) for table in s.TABLES}
    labels = _labels(codebook, issues, frames["actors"])
    actor = labels["actor"]

    actors = t["actors"]
    actors["affiliation_name"] = actors["affiliation"].map(lambda a: actor.get(a, ""))

    participants = t["talk_participants"]
    participants["actor_name"] = participants["actor_id"].map(actor)
    participants["head_name"] = participants["delegation_head_id"].map(lambda a: actor.get(a, ""))

    talks = t["talks"]
    for role, column in (("party", "parties"), ("mediator", "mediators"), ("host", "hosts")):
        names = participants[participants["role"] == role].groupby("talk_id")["actor_name"].agg(", ".join).to_dict()
        talks[column] = talks["talk_id"].map(lambda tid, n=names: n.get(tid, ""))
    heads = (
        participants[participants["head_name"] != ""]
        .assign(text=lambda d: d["actor_name"] + ": " + d["head_name"])
        .groupby("talk_id")["text"]
        .agg("; ".join)
        .to_dict()
    )
    talks["delegation_heads"] = talks["talk_id"].map(lambda tid: heads.get(tid, ""))
    talks["format_label"] = talks["format"].map(labels["talk_format"]).astype(str)
    talks["n_sources"] = _n_sources(talks)
    talks["flags"] = _flags(talks)
    talks["year"] = talks["start_date"].dt.year

    items = t["agreed_items"]
    items["issue_label"] = items["issue_id"].map(labels["issue"]).astype(str)
    items["talk_title"] = items["talk_id"].map(dict(zip(talks["talk_id"], talks["title"], strict=True)))
    items["n_sources"] = _n_sources(items)
    per_side = prisoner_counts(items)
    talks["prisoners_per_side"] = talks["talk_id"].map(per_side.groupby("talk_id")["quantity"].sum()).astype("Int64")

    talk_title = dict(zip(talks["talk_id"], talks["title"], strict=True))
    positions = t["positions"]
    reactions = t["reactions"]
    for frame, stance_scheme in ((positions, "position_stance"), (reactions, "reaction_stance")):
        frame["actor_name"] = frame["actor_id"].map(actor)
        frame["speaker_name"] = frame["speaker_id"].map(lambda a: actor.get(a, ""))
        frame["stance_label"] = frame["stance"].map(labels[stance_scheme]).astype(str)
        frame["talk_title"] = frame["talk_id"].map(lambda x: talk_title.get(x, ""))
        frame["n_sources"] = _n_sources(frame)
        frame["flags"] = _flags(frame)
    positions["issue_label"] = positions["issue_id"].map(labels["issue"]).astype(str)
    actor_type = dict(zip(actors["actor_id"], actors["actor_type"].astype(str), strict=True))
    actor_iso = dict(zip(actors["actor_id"], actors["country_iso3"], strict=True))
    reactions["actor_type"] = reactions["actor_id"].map(actor_type)
    reactions["country_iso3"] = reactions["actor_id"].map(actor_iso).fillna("")

    sources = t["sources"]
    cited: dict[str, list[str]] = {}
    for frame, key in (
        (talks, "talk_id"),
        (items, "item_id"),
        (positions, "position_id"),
        (reactions, "reaction_id"),
    ):
        for rec_id, cell in zip(frame[key], frame["source_ids"], strict=True):
            for sid in split_ids(cell):
                cited.setdefault(sid, []).append(rec_id)
    sources["records"] = sources["source_id"].map(lambda sid: "; ".join(cited.get(sid, [])))
    sources["n_records"] = sources["source_id"].map(lambda sid: len(cited.get(sid, []))).astype("int64")
    checks = t["fact_checks"]
    checked = checks.groupby("source_id")["verdict"].agg(lambda v: ", ".join(str(x) for x in v)).to_dict()
    sources["fact_check"] = sources["source_id"].map(lambda sid: checked.get(sid, ""))

    for frame in (talks, items, positions, reactions, sources, actors, participants):
        if "origin" not in frame.columns:
            frame["origin"] = BUNDLED
    # Rows of talks in display order; linked tables carry the row number so filters can mark rounds without lookups.
    talks = talks.sort_values("start_date", kind="stable").reset_index(drop=True)
    order = pd.Index(talks["talk_id"])
    for frame in (participants, items):
        frame["talk_pos"] = order.get_indexer(frame["talk_id"])
    # Repeated ids and labels as categories: filtering a large table then copies small integer codes, not text.
    for frame in (positions, reactions, items, participants):
        for column in REPEATED_TEXT:
            if column in frame.columns:
                frame[column] = frame[column].astype("category")
    # Free text as plain Python strings: selecting rows copies pointers, where Arrow strings copy every byte.
    for frame in (talks, positions, reactions, items):
        for column in frame.columns:
            if frame[column].dtype == "str":
                frame[column] = frame[column].astype(object)

    return Dataset(
        version=version,
        sources=sources,
        actors=actors,
        issues=t["issues"],
        codebook=t["codebook"],
        talks=talks,
        participants=participants,
        items=items,
        positions=positions.sort_values("date", kind="stable").reset_index(drop=True),
        reactions=reactions.sort_values("date", kind="stable").reset_index(drop=True),
        fact_checks=checks,
        labels=labels,
    )


def read_version(data_dir: Path) -> str:
    path = data_dir / "VERSION"
    return path.read_text(encoding="utf-8").strip() if path.exists() else "unversioned"


def load_dataset(data_dir: Path = DEFAULT_DATA_DIR, store: Store | None = None) -> Dataset:
    """Read, validate and build; raises DataValidationError listing every problem.

    With a store, its imported records are laid over the bundled files (never modified) and get origin 'imported'."""
    frames, problems = read_raw_tables(data_dir)
    layers = layered(frames, store.imported_rows() if store is not None and not problems else {})
    problems += layers.relabel(validate_frames(layers.frames)) if not problems else []
    if problems:
        raise DataValidationError(problems)
    return build_dataset(layers.with_origin(), read_version(data_dir))
