"""Frame-in, frame-out summaries the pages chart and count. Pure pandas, exact on small frames."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from parley.filters import format_date
from parley.grouping import Groups, column_codes, counts, date_ordered, group, last_of_each, month_codes
from parley.memo import per_dataset
from parley.recent import per_selection
from parley.selection import Rows, as_rows

PRISONERS_PER_SIDE = "prisoners per side"


def prisoner_counts(items: pd.DataFrame) -> pd.DataFrame:
    """Agreed prisoner exchanges counted per side; bodies and other quantities are left out."""
    return items[_prisoner_rows(items)]


def _prisoner_rows(items: pd.DataFrame) -> pd.Series:
    return (items["issue_id"].astype(str) == "prisoners") & items["quantity_unit"].fillna("").str.startswith(
        PRISONERS_PER_SIDE
    )


@dataclass(frozen=True)
class KeyFigures:
    rounds_held: int
    latest_title: str | None
    latest_date: pd.Timestamp | None
    days_since_latest: int | None
    prisoners_per_side: int
    positions: int
    reactions: int


def key_figures(
    talks: pd.DataFrame, items: pd.DataFrame, positions: pd.DataFrame, reactions: pd.DataFrame, today: date
) -> KeyFigures:
    # The statements and reactions are only counted: the rest is remembered per selection of rounds and items,
    # which a window a day shorter seldom changes.
    return replace(_round_figures(talks, items, today), positions=len(positions), reactions=len(reactions))


@per_selection
def _round_figures(talks: pd.DataFrame, items: pd.DataFrame, today: date) -> KeyFigures:
    # Row numbers and single cells, not copies of the rounds and items: these figures head the Overview on every
    # rerun.
    held = np.flatnonzero(talks["status"].astype(str).to_numpy() == "held")
    latest_date, latest_title = None, None
    if len(held):
        # The last held round by end, then start date; stable, so of equal rounds the last in table order.
        order = np.lexsort((talks["start_date"].to_numpy()[held], talks["end_date"].to_numpy()[held]))
        latest_date = talks["end_date"].iloc[held[order[-1]]]
        latest_title = str(talks["title"].iloc[held[order[-1]]])
    prisoners = items.loc[_prisoner_rows(items), "quantity"]
    return KeyFigures(
        rounds_held=len(held),
        latest_title=latest_title,
        latest_date=latest_date,
        days_since_latest=(pd.Timestamp(today) - latest_date).days if latest_date is not None else None,
        prisoners_per_side=int(prisoners.fillna(0).sum()),
        positions=0,
        reactions=0,
    )


def party_issue_pairs(rows: Rows) -> tuple[np.ndarray, int]:
    """Each selected position's (party, issue) pair number, and how many pair numbers there can be.

    A small integer type when the pairs fit: numpy then sorts with a radix sort and the arrays stay small."""

    def compute() -> tuple[np.ndarray, int]:
        actor, issue = column_codes(rows, "actor_id"), column_codes(rows, "issue_id")
        total = actor.size * issue.size
        kind = np.int16 if total < 2**15 else np.int64
        return actor.codes.astype(kind) * kind(issue.size) + issue.codes.astype(kind), total

    return rows.remembered("party-issue pair", compute)


def _by_party_and_issue(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Each selected position's pair number, and the selection sorted by pair, date order kept within."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        pair, _ = party_issue_pairs(rows)
        return pair, np.argsort(pair, kind="stable")

    return rows.remembered("party-issue order", compute)


@per_selection
def latest_stances(positions: pd.DataFrame | Rows, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The most recent position of each party on each issue (ties: the later row in the file wins), ordered by party
    id then issue id; only `columns` (all by default) are built, for the few rows kept."""
    rows = date_ordered(as_rows(positions), "date")
    pair, total = party_issue_pairs(rows)
    last = last_of_each(pair, total)
    latest = rows.take(last[last >= 0])
    order = np.lexsort((_text_rank(latest, "issue_id"), _text_rank(latest, "actor_id")))
    return latest.take(order).frame(columns)


def _text_rank(rows: Rows, column: str) -> np.ndarray:
    """Each selected row's place in the text order of the column's values (an empty value first): ordering by it
    orders as sorting the text would, with a sort of the few distinct values instead of the rows."""
    codes = column_codes(rows, column)
    rank = np.empty(codes.size, dtype=np.int64)
    rank[np.argsort(codes.values.astype(str), kind="stable")] = np.arange(codes.size)
    return rank[codes.codes]


@per_selection
def stance_moves(positions: pd.DataFrame | Rows, labels: dict[str, str] | None = None) -> Rows:
    """Positions whose stance differs from the same party's previous stance on the same issue, in date order.

    `previous_stance` and `previous_label` come as extra columns."""
    rows = date_ordered(as_rows(positions), "date")
    pair, order = _by_party_and_issue(rows)
    names = rows.categories("stance").astype(str)
    stance = rows.codes("stance")
    # Pair and stance in one number: one gather into the sorted order instead of two.
    per_pair = len(names) + 1
    kind = np.int32 if (pair.max(initial=0) + 1) * per_pair < 2**31 else np.int64
    sorted_key = (pair.astype(kind) * per_pair + stance + 1)[order]
    sorted_pair, sorted_stance = sorted_key // per_pair, sorted_key % per_pair - 1
    moved = (sorted_pair[1:] == sorted_pair[:-1]) & (sorted_stance[1:] != sorted_stance[:-1])
    # Back to date order without sorting again: flag the moved rows and the stance each moved from, in place.
    previous = np.full(len(rows), -1, dtype=np.int16 if per_pair < 2**15 else np.int64)
    previous[order[1:][moved]] = sorted_stance[:-1][moved]
    at = np.flatnonzero(previous >= 0)
    # As categoricals: a quarter of a million moves need no object array; the rows shown are worded when built.
    label_of = [(labels or {}).get(code, "") for code in names]
    label_codes, label_names = pd.factorize(pd.Index(label_of, dtype=object))
    before = previous[at]
    return rows.take(at).with_columns(
        previous_stance=pd.Categorical.from_codes(before, categories=pd.Index(names, dtype=object)),
        previous_label=pd.Categorical.from_codes(label_codes[before], categories=label_names),
    )


@per_selection
def newest_first(data: pd.DataFrame | Rows, column: str) -> pd.DataFrame | Rows:
    """Newest rows first; the loaded tables are already in date order, so this is usually just a reversal."""
    if isinstance(data, Rows):
        return data if data.is_newest_first(column) else date_ordered(data, column).reversed()
    if data[column].is_monotonic_increasing:
        return data.iloc[::-1]
    return data.sort_values(column, ascending=False, kind="stable")


def _group_frame(rows: Rows, columns: Sequence[str], groups: Groups) -> pd.DataFrame:
    """One row per group: the grouped columns as text, read from the group's last row, and its count."""
    frame = rows.take(groups.last).frame(columns).astype({c: str for c in columns})
    return frame.assign(count=groups.count.astype("int64"))


@per_selection
def count_by(data: pd.DataFrame | Rows, *columns: str) -> pd.DataFrame:
    """Counts per combination of columns, largest first; only combinations that occur."""
    rows = as_rows(data)
    if rows.empty:
        return pd.DataFrame({**{c: pd.Series(dtype=str) for c in columns}, "count": pd.Series(dtype="int64")})
    values, number = counts(rows, [column_codes(rows, c) for c in columns])
    frame = pd.DataFrame({c: v.astype(str) for c, v in zip(columns, values, strict=True)}).assign(count=number)
    return frame.sort_values(["count", *columns], ascending=[False, *[True] * len(columns)]).reset_index(drop=True)


@per_selection
def monthly_counts(data: pd.DataFrame | Rows, date_column: str, by: str) -> pd.DataFrame:
    """Rows per month and code; within a month, codes in their codebook order."""
    rows = as_rows(data)
    if rows.empty:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[us]"),
                by: pd.Series(dtype=str),
                "count": pd.Series(dtype="int64"),
            }
        )
    (months, codes), number = counts(rows, [month_codes(rows, date_column), column_codes(rows, by)])
    return pd.DataFrame({"month": months, by: codes.astype(str), "count": number})


@per_selection
def actor_ranking(reactions: pd.DataFrame | Rows) -> pd.DataFrame:
    """Reacting actors ranked by number of reactions, with their stances broken down."""
    rows = as_rows(reactions)
    if rows.empty:
        return pd.DataFrame(columns=["actor_id", "actor_name", "stance", "stance_label", "count", "total", "rank"])
    groups = group(rows, [column_codes(rows, "actor_id"), column_codes(rows, "stance")])
    ranked = _group_frame(rows, ["actor_id", "actor_name", "stance", "stance_label"], groups)
    ranked["total"] = ranked.groupby("actor_id")["count"].transform("sum")
    order = (
        ranked.drop_duplicates("actor_id")
        .sort_values(["total", "actor_name"], ascending=[False, True])["actor_id"]
        .tolist()
    )
    ranked["rank"] = ranked["actor_id"].map({a: i + 1 for i, a in enumerate(order)})
    return ranked.sort_values(["rank", "count"], ascending=[True, False], kind="stable").reset_index(drop=True)


def issue_links(positions: pd.DataFrame, items: pd.DataFrame, talks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which issues each round touched, through its positions and agreed items (for the issue filter).

    With `talks`, each link also carries the round's row number in it (`talk_pos`)."""
    links = pd.concat([positions[["talk_id", "issue_id"]], items[["talk_id", "issue_id"]]], ignore_index=True)
    links = links.astype(str)
    links = links[links["talk_id"] != ""].drop_duplicates().reset_index(drop=True)
    if talks is not None:
        links["talk_pos"] = pd.Index(talks["talk_id"]).get_indexer(links["talk_id"])
    return links


def flagged(rows: Rows) -> np.ndarray:
    """Per selected row: disputed or low confidence, a claim never drawn or counted as solid fact by default."""
    return rows.is_value("confidence", "low") | rows.values("disputed").astype(bool)


@per_selection
def counted_reactions(reactions: pd.DataFrame | Rows, include_flagged: bool) -> Rows:
    """The reactions that count towards stance counts and rankings: confirmed ones, or all when the reader asks."""
    rows = as_rows(reactions)
    return rows if include_flagged else rows.take(np.flatnonzero(~flagged(rows)))


def counting_note(include_flagged: bool) -> str:
    """What the counts on the Reactions page hold, for its header and every export."""
    if include_flagged:
        return "disputed and low-confidence reactions counted"
    return "disputed and low-confidence reactions not counted (hollow or marked on the map)"


STATE_COLUMNS = [
    "actor_id",
    "actor_name",
    "actor_type",
    "country_iso3",
    "stance",
    "stance_label",
    "count",
    "n_flagged",
    "date",
    "summary",
    "flags",
    "solid",
    "basis",
    "newer_flagged",
    "map_id",
]


def _last_per(codes: np.ndarray, size: int, where: np.ndarray) -> np.ndarray:
    """Per code, the position of its last row among the rows `where` marks (-1 when it has none)."""
    last = np.full(size, -1, dtype=np.int64)
    at = np.flatnonzero(where)
    np.maximum.at(last, codes[at], at)
    return last


@per_selection
def reactions_by_state(
    reactions: pd.DataFrame | Rows,
    numeric_id: Callable[[str], str | None],
    include_flagged: bool = False,
) -> pd.DataFrame:
    """One row per reacting actor: the stance it is drawn with, its reactions, and its map id if a state.

    By default an actor takes its latest confirmed reaction (neither disputed nor low confidence); an actor whose
    reactions are all flagged takes its latest flagged one with `solid` False (drawn hollow, never as fact), and a
    flagged reaction newer than the one shown is described in `newer_flagged`. With `include_flagged` the latest
    reaction wins whatever its flags, and is `solid` only if confirmed (`basis` says it in words). `count` is every
    reaction in the selection, `n_flagged` how many of them are flagged."""
    rows = date_ordered(as_rows(reactions), "date")
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "solid" else str) for c in STATE_COLUMNS})
    actor = column_codes(rows, "actor_id")
    is_flagged = flagged(rows)
    count = np.bincount(actor.codes, minlength=actor.size)
    n_flagged = np.bincount(actor.codes[is_flagged], minlength=actor.size)
    last_flagged = _last_per(actor.codes, actor.size, is_flagged)
    if include_flagged:
        shown = _last_per(actor.codes, actor.size, np.ones(len(rows), dtype=bool))
        newer = np.full(actor.size, -1, dtype=np.int64)
    else:
        last_confirmed = _last_per(actor.codes, actor.size, ~is_flagged)
        shown = np.where(last_confirmed >= 0, last_confirmed, last_flagged)
        newer = np.where(last_flagged > shown, last_flagged, -1)
    present = np.flatnonzero(count)
    # Only the columns the result keeps: a reaction carries some thirty.
    read = [c for c in STATE_COLUMNS if c in rows.columns]
    out = rows.take(shown[present]).frame(read)
    out["count"] = count[present].astype("int64")
    out["n_flagged"] = n_flagged[present].astype("int64")
    out["solid"] = ~is_flagged[shown[present]]
    out["basis"] = np.where(out["solid"], "confirmed", "disputed or low confidence")
    out["newer_flagged"] = _described(rows, newer[present])
    for column in ("actor_id", "actor_name", "stance", "stance_label", "actor_type", "country_iso3", "flags"):
        out[column] = out[column].astype(str)
    is_state = (out["actor_type"] == "state") & (out["country_iso3"] != "")
    out["map_id"] = out["country_iso3"].where(is_state, "").map(lambda c: (numeric_id(c) or "") if c else "")
    return out[STATE_COLUMNS].sort_values(["count", "actor_name"], ascending=[False, True]).reset_index(drop=True)


def _described(rows: Rows, positions: np.ndarray) -> list[str]:
    """'stance, date (flags)' of the reactions at `positions` (one per actor shown, so few); '' where -1."""
    texts = [""] * len(positions)
    at = np.flatnonzero(positions >= 0)
    if len(at):
        picked = rows.take(positions[at]).frame(["stance_label", "date", "flags"])
        for i, row in zip(at, picked.itertuples(), strict=True):
            texts[i] = f"{row.stance_label}, {format_date(row.date)} ({row.flags})"
    return texts


@per_selection
def cities_by_rounds(talks: pd.DataFrame) -> list[str]:
    """Cities where rounds were held, the busiest first."""
    return talks["city"].value_counts().index.tolist()


@per_selection
def rounds_in(talks: pd.DataFrame, city: str | None) -> set[str]:
    return set(talks.loc[talks["city"] == city, "talk_id"]) if city else set()


@per_selection
def off_map(by_actor: pd.DataFrame, drawable: frozenset[str]) -> pd.DataFrame:
    """Reacting actors the map cannot show: organisations, blocs and states too small at its scale."""
    return by_actor[~by_actor["map_id"].isin(drawable)]


@per_selection
def checks_of(fact_checks: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Fact checks of the given sources, with the checked article's outlet."""
    checks = fact_checks[fact_checks["source_id"].isin(sources["source_id"])]
    return checks.merge(sources[["source_id", "outlet"]], on="source_id")


# ---- marks for charts: one row per record while few, binned counts beyond a fixed cap -----------------------------
MAX_POINTS = 2_000  # marks per chart: a browser draws these at once, and every one is sent on every rerun
ROUND_FIELDS = ["talk_id", "start_date", "end_date", "format", "title", "city", "venue", "parties"]
ROUND_FIELDS += ["mediators", "delegation_heads", "flags"]


@dataclass(frozen=True)
class Marks:
    """What a chart draws: one row per record (`binned` False), or per month and lane with a count `n`."""

    frame: pd.DataFrame
    binned: bool


def _month(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M").dt.to_timestamp()


@per_selection
def round_marks(talks: pd.DataFrame, cap: int = MAX_POINTS) -> Marks:
    """Rounds as points while they fit under the cap; beyond it, rounds per format and month."""
    if len(talks) <= cap:
        return Marks(talks[ROUND_FIELDS].assign(n=1).reset_index(drop=True), binned=False)
    frame = (
        talks.assign(start_date=_month(talks["start_date"]), format=talks["format"].astype(str))
        .groupby(["start_date", "format"], observed=True)
        .size()
        .reset_index(name="n")
    )
    return Marks(frame, binned=True)


@per_selection
def round_span(talks: pd.DataFrame) -> tuple[date, date] | None:
    """First start and last end of the rounds: the widest zoom of the timeline (None without rounds)."""
    if talks.empty:
        return None
    return talks["start_date"].min().date(), talks["end_date"].fillna(talks["start_date"]).max().date()


@per_selection
def rounds_starting_in(talks: pd.DataFrame, window: tuple[date, date]) -> pd.DataFrame:
    """The rounds that start inside the zoomed window: a round is drawn at its start."""
    lo, hi = pd.Timestamp(window[0]), pd.Timestamp(window[1]) + pd.Timedelta(days=1)
    start = talks["start_date"]
    return talks[(start >= lo) & (start < hi)]


@per_dataset
def sources_by_use(sources: pd.DataFrame) -> pd.DataFrame:
    """Every source, most records first (then by outlet). The same for every view, so built once per loaded table
    (shared: callers must not change it)."""
    return sources.sort_values(["n_records", "outlet"], ascending=[False, True])


@per_dataset
def codebook_entries(codebook: pd.DataFrame, scheme: str) -> list[tuple[str, str]]:
    """(label, definition) of every code in a codebook scheme, in codebook order (once per codebook: shared, callers
    must not change it)."""
    codes = codebook[codebook["scheme"] == scheme]
    return list(zip(codes["label"].astype(str), codes["definition"].astype(str), strict=True))
