"""Building the Dataset: checked text tables typed, joined and enriched for the pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parley import schema as s
from parley.aggregate import issue_links, prisoner_counts
from parley.reading import Progress, release_memory

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
    "option_id",
    "option_label",
    "source_ids",  # records citing the same sources share one list: the cited sources are found per list, not row
)
IMPORTED = "imported"
RECORDS_LISTED = 10  # records named per source in its `records` column; n_records counts them all


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
    issue_options: pd.DataFrame  # the issue scales, in issue order then rank
    plans: pd.DataFrame  # the coded peace plans, oldest first
    provisions: pd.DataFrame  # their points, in plan order then point
    commitments: pd.DataFrame  # the dated status history of every agreed item, item by item then by date
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # The cache entry the tables are mapped from (parley.cache), if any: what is worked out once per data version,
    # like the search index, may be kept there beside them.
    stored_in: Path | None = field(default=None, compare=False, repr=False)

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
    out = frame.copy(deep=False)
    for name in out.columns:
        if out[name].dtype == object:  # frames built in code rather than read: the same text dtype as a read
            out[name] = out[name].astype("str")
    for col in table.columns:
        if col.kind == s.DATE:
            # Parsed once per distinct date: parsing every row holds a Python string per row meanwhile.
            at, dates = pd.factorize(out[col.name])
            parsed = pd.to_datetime(pd.Series(dates, dtype=out[col.name].dtype).replace("", None), format="%Y-%m-%d")
            values = parsed.to_numpy()
            out[col.name] = pd.Series(np.append(values, np.array("NaT", dtype=values.dtype))[at], index=out.index)
        elif col.kind == s.BOOL:
            out[col.name] = out[col.name].eq("true")
        elif col.kind == s.INT:
            out[col.name] = pd.to_numeric(out[col.name].replace("", None)).astype("Int64")
        elif col.kind == s.CODE and col.scheme in codes:
            # From the codes of the distinct values, as pd.Categorical(values, categories) gives without a Python
            # string per row.
            at, found = pd.factorize(out[col.name])
            dtype = pd.CategoricalDtype(codes[col.scheme])
            remap = np.append(dtype.categories.get_indexer(pd.Index(found)), -1)
            out[col.name] = pd.Categorical.from_codes(remap[at], dtype=dtype)
    return out


def _arrow(values: pd.Series | pd.Index | pa.Array) -> pa.Array:
    """Text as one Arrow array (nulls where missing); a categorical through its categories, without a
    string per row on the Python side."""
    if isinstance(values, pa.Array):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes if isinstance(values, pd.Series) else values.codes)
        categories = _arrow(pd.Index(values.cat.categories if isinstance(values, pd.Series) else values.categories))
        return categories.take(pa.array(codes, mask=codes < 0))
    array = pa.array(values.array if isinstance(values, pd.Index) else values, type=pa.large_string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _where(values: pd.Series | pd.Index | pa.Array, universe: pd.Series | pd.Index | pa.Array) -> np.ndarray:
    """The position of each value in `universe` (-1 when absent), hashed by Arrow rather than as Python objects."""
    found = pc.index_in(_arrow(values), value_set=_arrow(universe))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _text(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    out = array.to_pandas()
    out.index = index
    return out


def _ids_in(cells: pd.Series | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Every id in a column of ';'-separated ids, as (row number, id), in row order: split_ids over the column."""
    parts = pc.split_pattern(_arrow(cells), s.LIST_SEP)
    rows = pc.list_parent_indices(parts).to_numpy()
    ids = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    keep = pc.not_equal(ids, "")
    return rows[keep.to_numpy(zero_copy_only=False)], ids.filter(keep)


def _cited(frame: pd.DataFrame, sources: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(row, source) for every source id a record cites, in row order: the row number of the id in `sources`,
    or, if some id is not among them (unvalidated frames), a number per distinct id above len(sources).

    Split once per distinct list of ids (records citing the same sources share one), then spread over the rows as
    numbers: splitting every row would hold a string per cited id."""
    encoded = pc.dictionary_encode(_arrow(frame["source_ids"]))
    lists = encoded.dictionary
    at_list, ids = _ids_in(lists)
    found = pc.index_in(ids, value_set=sources)
    if found.null_count:
        id_codes, _ = pd.factorize(_text(ids, pd.RangeIndex(len(ids))))
        id_codes = id_codes + len(sources)
    else:
        id_codes = found.to_numpy(zero_copy_only=False).astype(np.int64)
    per_list = np.bincount(at_list, minlength=len(lists))
    first = np.concatenate([[0], np.cumsum(per_list)[:-1]]).astype(np.int64)
    which = encoded.indices.to_numpy(zero_copy_only=False)  # a missing cell cites nothing
    which = np.where(encoded.indices.is_null().to_numpy(zero_copy_only=False), -1, which).astype(np.int64)
    counts = np.where(which >= 0, np.append(per_list, 0)[which], 0)
    rows = np.repeat(np.arange(len(which), dtype=np.int64), counts)
    del counts
    # The k-th id of a row is the k-th id of its list.
    starts = np.cumsum(np.bincount(rows, minlength=len(which))) if len(rows) else np.zeros(len(which), np.int64)
    within = np.arange(len(rows), dtype=np.int64) - np.append(0, starts[:-1])[rows]
    codes = id_codes[first[which[rows]] + within]
    return rows, codes


def _n_sources(cited: tuple[np.ndarray, np.ndarray], index: pd.Index) -> pd.Series:
    """Distinct source ids per record."""
    rows, codes = cited
    width = int(codes.max()) + 1 if len(codes) else 1
    # Rows come in order, so the keys are nearly sorted already and the stable sort is close to linear.
    keys = np.sort(rows.astype(np.int64) * width + codes, kind="stable")
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return pd.Series(np.bincount(keys[first] // width, minlength=len(index)).astype("int64"), index=index)


def _joined(
    groups: np.ndarray,
    n_groups: int,
    values: pa.Array,
    sep: str,
    at: np.ndarray | None = None,
    limit: int | None = None,
) -> pa.Array:
    """For each group number 0..n_groups-1, its values in row order joined by `sep` ('' for none). Row i holds
    values[at[i]] when `at` is given, else values[i]. With `limit`, a group names its first `limit` values, then
    " …" when it has more."""
    known = groups >= 0
    if not known.all():
        groups = groups[known]
        at = np.flatnonzero(known) if at is None else at[known]
    elif at is None:
        at = np.arange(len(groups))
    del known
    counts = np.bincount(groups, minlength=n_groups)
    taken = at[np.argsort(groups, kind="stable")]
    del groups, at
    lists = pa.LargeListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)), values.take(pa.array(taken))
    )
    del taken
    if limit is not None:
        lists = pc.list_slice(lists, 0, limit)
    joined = pc.binary_join(lists, pa.scalar(sep, pa.large_string()))
    if limit is None or not (counts > limit).any():
        return joined
    more = pa.array(np.where(counts > limit, " …", ""), pa.large_string())
    return pc.binary_join_element_wise(joined, more, pa.scalar("", pa.large_string()))


def _as_category(codes: np.ndarray, values: pa.Array, index: pd.Index) -> pd.Series:
    """Row i holds values[codes[i]] (missing for code -1 or a null value), as the categorical that
    astype('category') would give: the distinct values present, sorted."""
    used = np.bincount(codes[codes >= 0], minlength=len(values)) > 0
    present = pc.unique(pc.drop_null(values.filter(pa.array(used))))
    categories = pd.Index(present.to_pandas(), dtype="str").sort_values().rename(None)
    remap = np.append(_where(values, categories), -1)
    dtype = pd.CategoricalDtype(categories)
    return pd.Series(pd.Categorical.from_codes(remap[codes], dtype=dtype, validate=False), index=index)


def _lookup(keys: pd.Series, mapping: Mapping[str, str], default: str | None = None) -> pd.Series:
    """`keys.map(mapping)` as a categorical, looked up once per distinct key instead of once per row."""
    universe = pa.array(list(mapping), type=pa.large_string())
    return _lookup_in(keys, universe, pa.array(list(mapping.values()), type=pa.large_string()), default)


def _lookup_in(
    keys: pd.Series, universe: pd.Series | pa.Array, values: pd.Series | pa.Array, default: str | None = None
) -> pd.Series:
    """For each key, the value at its position in `universe` (`default` when absent), as a categorical."""
    ids = keys if isinstance(keys.dtype, pd.CategoricalDtype) else keys.astype("category")
    rows = _where(ids.cat.categories, universe)
    looked = _arrow(values).take(pa.array(rows, mask=rows < 0))
    if default is not None:
        looked = pc.fill_null(looked, pa.scalar(default, pa.large_string()))
    return _as_category(ids.cat.codes.to_numpy(), looked, keys.index)


FLAG_TEXTS = [
    ", ".join(p for p in (d, lo, si) if p)
    for d in ("", "disputed")
    for lo in ("", "low confidence")
    for si in ("", "single source")
]


def _flags(frame: pd.DataFrame) -> pd.Series:
    """One readable column that says why a record needs care; empty when it does not."""
    disputed = frame["disputed"].to_numpy(dtype=bool)
    low = (frame["confidence"] == "low").to_numpy(dtype=bool)
    single = (frame["n_sources"] == 1).to_numpy(dtype=bool)
    return _as_category(disputed * 4 + low * 2 + single * 1, pa.array(FLAG_TEXTS, type=pa.large_string()), frame.index)


def _sorted_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows in `column` order (stable), one column at a time so only one column is ever held twice."""
    order = np.argsort(frame[column].to_numpy(), kind="stable")
    if (order == np.arange(len(order))).all():
        return frame.reset_index(drop=True)
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in list(frame.columns):
        out[name] = frame[name].take(order).reset_index(drop=True)
        del frame[name]
        release_memory()
    return out


def build_dataset(frames: Mapping[str, pd.DataFrame], version: str, progress: Progress | None = None) -> Dataset:
    """Type the validated raw frames and add the joined columns the pages show."""
    return build_frames(dict(frames), version, progress)


def build_frames(frames: dict[str, pd.DataFrame], version: str, progress: Progress | None) -> Dataset:
    """build_dataset on a dict it may empty: each raw frame is let go once typed, so the two never pile up."""

    def report(fraction: float, text: str) -> None:
        release_memory()  # each step's intermediates are gone by the next: give their memory back
        if progress is not None:
            progress(fraction, text)

    report(0.0, "Typing the tables")
    codebook = frames["codebook"]
    issues = frames["issues"]
    codes: dict[str, list[str]] = {str(k): list(g["code"]) for k, g in codebook.groupby("scheme", sort=False)}
    codes["issue"] = list(issues["issue_id"])
    labels = _labels(codebook, issues, frames["actors"])
    t = {table.name: _typed(table, frames.pop(table.name), codes) for table in s.ALL_TABLES}
    actor = labels["actor"]
    # Repeated ids as categories first: every lookup below then runs once per distinct id.
    for name in ("positions", "reactions", "agreed_items", "talk_participants"):
        frame = t[name]
        for column in ("actor_id", "speaker_id", "talk_id", "delegation_head_id"):
            if column in frame.columns:
                frame[column] = frame[column].astype("category")
    release_memory()
    report(0.2, "Joining names and titles")

    actors = t["actors"]
    actors["affiliation_name"] = actors["affiliation"].map(lambda a: actor.get(a, ""))

    talks = t["talks"]
    talk_index = pd.Index(talks["talk_id"])
    participants = t["talk_participants"]
    participants["actor_name"] = _lookup(participants["actor_id"], actor)
    participants["head_name"] = _lookup(participants["delegation_head_id"], actor, "")
    in_talk = _talk_rows(talk_index, participants["talk_id"])
    names = _arrow(participants["actor_name"])
    for role, column in (("party", "parties"), ("mediator", "mediators"), ("host", "hosts")):
        groups = np.where((participants["role"] == role).to_numpy(dtype=bool), in_talk, -1)
        talks[column] = _text(_joined(groups, len(talks), names, ", "), talks.index)
    headed = (participants["head_name"] != "").to_numpy(dtype=bool)
    head_texts = pc.binary_join_element_wise(
        names, _arrow(participants["head_name"]), pa.scalar(": ", pa.large_string())
    )
    talks["delegation_heads"] = _text(_joined(np.where(headed, in_talk, -1), len(talks), head_texts, "; "), talks.index)
    talks["format_label"] = talks["format"].map(labels["talk_format"]).astype(str)
    source_ids = _arrow(t["sources"]["source_id"])
    cited = {"talks": _cited(talks, source_ids)}
    talks["n_sources"] = _n_sources(cited["talks"], talks.index)
    talks["flags"] = _flags(talks).astype(str)
    talks["year"] = talks["start_date"].dt.year
    talk_ids, titles = _arrow(talks["talk_id"]), _arrow(talks["title"])

    items = t["agreed_items"]
    items["issue_label"] = _lookup(items["issue_id"], labels["issue"])
    items["talk_title"] = _lookup_in(items["talk_id"], talk_ids, titles)
    cited["items"] = _cited(items, source_ids)
    items["n_sources"] = _n_sources(cited["items"], items.index)
    per_side = prisoner_counts(items)
    per_talk = per_side.groupby(per_side["talk_id"].astype(str))["quantity"].sum()
    talks["prisoners_per_side"] = talks["talk_id"].map(per_talk).astype("Int64")
    report(0.4, "Joining positions and reactions")

    positions = t["positions"]
    reactions = t["reactions"]
    for name, frame, stance_scheme in (
        ("positions", positions, "position_stance"),
        ("reactions", reactions, "reaction_stance"),
    ):
        frame["actor_name"] = _lookup(frame["actor_id"], actor)
        frame["speaker_name"] = _lookup(frame["speaker_id"], actor, "")
        frame["stance_label"] = _lookup(frame["stance"], labels[stance_scheme])
        frame["talk_title"] = _lookup_in(frame["talk_id"], talk_ids, titles, "")
        cited[name] = _cited(frame, source_ids)
        frame["n_sources"] = _n_sources(cited[name], frame.index)
        frame["flags"] = _flags(frame)
    positions["issue_label"] = _lookup(positions["issue_id"], labels["issue"])
    options = t["issue_options"]
    option_ids = _arrow(options["option_id"])
    positions["option_label"] = _lookup_in(positions["option_id"], option_ids, _arrow(options["label"]), "")
    at_option = _where(positions["option_id"], option_ids)
    ranks = options["rank"].to_numpy(dtype="float64", na_value=np.nan)
    positions["option_rank"] = pd.array(np.append(ranks, np.nan)[at_option], dtype="Int64")
    actor_type = dict(zip(actors["actor_id"], actors["actor_type"].astype(str), strict=True))
    actor_iso = dict(zip(actors["actor_id"], actors["country_iso3"], strict=True))
    reactions["actor_type"] = _lookup(reactions["actor_id"], actor_type)
    reactions["country_iso3"] = _lookup(reactions["actor_id"], actor_iso, "")
    plans, provisions = _plans(t["plans"], t["plan_provisions"], t["issue_options"], labels)
    cited["plans"] = _cited(plans, source_ids)
    cited["provisions"] = _cited(provisions, source_ids)
    for frame, name in ((plans, "plans"), (provisions, "provisions")):
        frame["n_sources"] = _n_sources(cited[name], frame.index)
        frame["flags"] = _flags(frame).astype(str)
    report(0.6, "Counting the records behind each source")

    sources = t["sources"]
    in_source, record_rows, record_ids = [], [], []
    first_row = 0
    for name, frame, key in (
        ("talks", talks, "talk_id"),
        ("items", items, "item_id"),
        ("positions", positions, "position_id"),
        ("reactions", reactions, "reaction_id"),
        ("plans", plans, "plan_id"),
        ("provisions", provisions, "provision_id"),
    ):
        rows, codes = cited.pop(name)
        in_source.append(codes)
        record_rows.append(rows + first_row)
        record_ids.append(_arrow(frame[key]))
        first_row += len(frame)
    cited_source = np.concatenate(in_source)
    cited_source[cited_source >= len(sources)] = -1  # an id that names no source counts for none
    # Every record's id once, taken straight in source order: not a copy per citation and then another sorted.
    all_ids = pa.chunked_array(record_ids, type=pa.large_string()).combine_chunks()
    del in_source, record_ids
    citing = np.concatenate(record_rows)
    del record_rows
    # The first records citing each source, not all of them: a source behind a million records would hold tens of
    # megabytes of ids that every copy of the sources table carried (the count is n_records; each record names its
    # sources, so the full list is in the record tables).
    listed = _joined(cited_source, len(sources), all_ids, "; ", citing, limit=RECORDS_LISTED)
    sources["records"] = _text(listed, sources.index)
    del all_ids, citing
    sources["n_records"] = np.bincount(cited_source[cited_source >= 0], minlength=len(sources)).astype("int64")
    checks = t["fact_checks"]
    checked = checks.groupby("source_id")["verdict"].agg(lambda v: ", ".join(str(x) for x in v)).to_dict()
    sources["fact_check"] = sources["source_id"].map(lambda sid: checked.get(sid, ""))
    report(0.8, "Ordering the tables")

    events = t["commitment_events"]
    for frame in (talks, items, positions, reactions, sources, actors, participants, provisions, events):
        if "origin" not in frame.columns:
            frame["origin"] = BUNDLED
    # Rows of talks in display order; linked tables carry the row number so filters can mark rounds without lookups.
    talks = _sorted_by(talks, "start_date")
    order = pd.Index(talks["talk_id"])
    for frame in (participants, items):
        frame["talk_pos"] = _talk_rows(order, frame["talk_id"])
    # Repeated ids and labels as categories: filtering a large table then copies small integer codes, not text.
    for frame in (positions, reactions, items, participants):
        for column in REPEATED_TEXT:
            if column in frame.columns and not isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype("category")
    positions = _sorted_by(positions, "date")
    reactions = _sorted_by(reactions, "date")
    options = t["issue_options"]
    options["issue_label"] = options["issue_id"].map(labels["issue"]).astype(str)
    # issue_id is a categorical in issues.csv order, so the scales come out in the codebook's order of issues.
    options = options.sort_values(["issue_id", "rank"], kind="stable").reset_index(drop=True)
    commitments = _commitments(t["commitment_events"], items, talks, participants, labels)
    report(1.0, "Built the tables")

    return Dataset(
        version=version,
        sources=sources,
        actors=actors,
        issues=t["issues"],
        codebook=t["codebook"],
        talks=talks,
        participants=participants,
        items=items,
        positions=positions,
        reactions=reactions,
        fact_checks=checks,
        issue_options=options,
        plans=plans,
        provisions=provisions,
        commitments=commitments,
        labels=labels,
    )


def _commitments(
    events: pd.DataFrame,
    items: pd.DataFrame,
    talks: pd.DataFrame,
    participants: pd.DataFrame,
    labels: Mapping[str, Mapping[str, str]],
) -> pd.DataFrame:
    """Commitment events with their item, round, issue, the round's parties and each item's latest status joined.
    One row per event, a few per agreed item, so plain mappings serve."""
    status_label = labels.get("commitment_status", {})
    events = events.sort_values(["item_id", "date", "event_id"], kind="stable").reset_index(drop=True)
    events["status_label"] = events["status"].astype(str).map(lambda c: status_label.get(c, c))
    events["level"] = events["status"].astype(str).map(s.COMMITMENT_LEVELS).astype("Int64")
    by_item = items.assign(item_id=items["item_id"].astype(str)).set_index("item_id")
    item_ids = events["item_id"].astype(str)
    events["summary"] = item_ids.map(by_item["summary"].astype(str)).fillna("")
    events["issue_id"] = item_ids.map(by_item["issue_id"].astype(str)).fillna("")
    events["issue_label"] = events["issue_id"].map(labels.get("issue", {})).fillna("")
    events["item_status"] = item_ids.map(by_item["status"].astype(str)).map(
        lambda c: labels.get("item_status", {}).get(c, c)
    )
    events["talk_id"] = item_ids.map(by_item["talk_id"].astype(str)).fillna("")
    by_talk = talks.assign(talk_id=talks["talk_id"].astype(str)).set_index("talk_id")
    events["talk_title"] = events["talk_id"].map(by_talk["title"].astype(str)).fillna("")
    events["round_date"] = events["talk_id"].map(by_talk["start_date"])
    party_rows = participants[participants["role"].astype(str) == "party"]
    parties = party_rows.groupby(party_rows["talk_id"].astype(str), sort=False)["actor_id"].agg(
        lambda ids: s.LIST_SEP.join(sorted(str(a) for a in ids))
    )
    events["party_ids"] = events["talk_id"].map(parties).fillna("")
    actor = labels.get("actor", {})
    events["party_names"] = events["party_ids"].map(
        lambda ids: ", ".join(actor.get(a, a) for a in ids.split(s.LIST_SEP) if a)
    )
    last = ~events["item_id"].astype(str).duplicated(keep="last")
    latest = events.loc[last].set_index(events.loc[last, "item_id"].astype(str))
    events["latest_status"] = item_ids.map(latest["status"].astype(str))
    events["latest_status_label"] = item_ids.map(latest["status_label"])
    events["is_latest"] = last.to_numpy(dtype=bool)
    return events


def _plans(
    plans: pd.DataFrame, provisions: pd.DataFrame, options: pd.DataFrame, labels: Mapping[str, Mapping[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plans with their proposers' names and status in words; provisions with their plan, issue and option joined.
    A few hundred rows at most, so plain mappings serve."""
    actor = labels.get("actor", {})
    plans = plans.sort_values(["presented", "plan_id"], kind="stable").reset_index(drop=True)
    plans["proposer_names"] = plans["proposer_ids"].map(
        lambda ids: ", ".join(actor.get(a, a) for a in str(ids).split(s.LIST_SEP) if a)
    )
    plans["status_label"] = plans["status"].astype(str).map(lambda c: labels.get("plan_status", {}).get(c, c))
    titles = dict(zip(plans["plan_id"], plans["title"], strict=True))
    plans["superseded_by_title"] = plans["superseded_by"].map(titles).fillna("")
    plans["n_provisions"] = plans["plan_id"].map(provisions["plan_id"].value_counts()).fillna(0).astype("int64")
    plans["disputed"] = False  # plans carry no disputed flag: a contested text is coded as low confidence

    order = dict(zip(plans["plan_id"], range(len(plans)), strict=True))
    provisions = provisions.assign(_order=provisions["plan_id"].map(order))
    provisions = provisions.sort_values(["_order", "point", "provision_id"], kind="stable").drop(columns="_order")
    provisions = provisions.reset_index(drop=True)
    joined = plans[["plan_id", "title", "presented", "proposer_ids", "proposer_names", "status_label"]].rename(
        columns={"title": "plan_title", "status_label": "plan_status"}
    )
    provisions = provisions.merge(joined, on="plan_id", how="left", validate="many_to_one")
    provisions["issue_label"] = provisions["issue_id"].astype(str).map(labels.get("issue", {})).fillna("")
    by_option = options.set_index("option_id")
    provisions["option_label"] = provisions["option_id"].map(by_option["label"]).fillna("")
    provisions["option_rank"] = provisions["option_id"].map(by_option["rank"]).astype("Int64")
    provisions["disputed"] = False
    return plans, provisions


def _talk_rows(talks: pd.Index, talk_ids: pd.Series) -> np.ndarray:
    """The row of each id's talk in `talks` (-1 for none), looked up once per distinct id."""
    ids = talk_ids if isinstance(talk_ids.dtype, pd.CategoricalDtype) else talk_ids.astype("category")
    rows = np.append(_where(ids.cat.categories, talks), -1)
    return rows[ids.cat.codes.to_numpy()]


TABLE_FIELDS = [f.name for f in fields(Dataset) if f.name not in ("version", "labels", "stored_in")]
