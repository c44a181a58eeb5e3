"""Frame-in, frame-out summaries the pages chart and count. Pure pandas, exact on small frames."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

PRISONERS_PER_SIDE = "prisoners per side"


def prisoner_counts(items: pd.DataFrame) -> pd.DataFrame:
    """Agreed prisoner exchanges counted per side; bodies and other quantities are left out."""
    return items[
        (items["issue_id"].astype(str) == "prisoners")
        & items["quantity_unit"].fillna("").str.startswith(PRISONERS_PER_SIDE)
    ]


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
    held = talks[talks["status"].astype(str) == "held"]
    latest = held.sort_values(["end_date", "start_date"]).tail(1)
    latest_date = latest["end_date"].iloc[0] if len(latest) else None
    prisoners = prisoner_counts(items)["quantity"]
    return KeyFigures(
        rounds_held=len(held),
        latest_title=str(latest["title"].iloc[0]) if len(latest) else None,
        latest_date=latest_date,
        days_since_latest=(pd.Timestamp(today) - latest_date).days if latest_date is not None else None,
        prisoners_per_side=int(prisoners.fillna(0).sum()),
        positions=len(positions),
        reactions=len(reactions),
    )


def latest_stances(positions: pd.DataFrame) -> pd.DataFrame:
    """The most recent position of each party on each issue (ties: the later row in the file wins)."""
    ordered = positions if positions["date"].is_monotonic_increasing else positions.sort_values("date", kind="stable")
    latest = ordered.groupby(["actor_id", "issue_id"], observed=True, sort=False).tail(1)
    return latest.sort_values(["actor_id", "issue_id"]).reset_index(drop=True)


def stance_moves(positions: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Positions whose stance differs from the same party's previous stance on the same issue."""
    ordered = positions if positions["date"].is_monotonic_increasing else positions.sort_values("date", kind="stable")
    # Compare category codes, not text: the same answer at a fraction of the cost on large frames.
    codes = pd.Series(ordered["stance"].cat.codes, index=ordered.index)
    previous = codes.groupby([ordered["actor_id"], ordered["issue_id"]], observed=True, sort=False).shift(1)
    moved = ordered[previous.notna() & (previous != codes)].copy()
    categories = ordered["stance"].cat.categories
    moved["previous_stance"] = pd.Categorical.from_codes(previous[moved.index].astype(int), categories=categories)
    moved["previous_label"] = moved["previous_stance"].astype(str).map(labels or {}).fillna("")
    return moved.reset_index(drop=True)


def newest_first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Newest rows first; the loaded tables are already in date order, so this is usually just a reversed view."""
    if frame[column].is_monotonic_increasing:
        return frame.iloc[::-1]
    return frame.sort_values(column, ascending=False, kind="stable")


def count_by(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Counts per combination of columns, largest first; only combinations that occur."""
    if frame.empty:
        return pd.DataFrame({**{c: pd.Series(dtype=str) for c in columns}, "count": pd.Series(dtype="int64")})
    counts = frame.groupby(list(columns), observed=True).size().reset_index(name="count")
    for c in columns:
        counts[c] = counts[c].astype(str)
    return counts.sort_values(["count", *columns], ascending=[False, *[True] * len(columns)]).reset_index(drop=True)


def monthly_counts(frame: pd.DataFrame, date_column: str, by: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[us]"),
                by: pd.Series(dtype=str),
                "count": pd.Series(dtype="int64"),
            }
        )
    month = frame[date_column].dt.to_period("M").dt.to_timestamp()
    counts = frame.assign(month=month).groupby(["month", by], observed=True).size().reset_index(name="count")
    counts[by] = counts[by].astype(str)
    return counts


def actor_ranking(reactions: pd.DataFrame) -> pd.DataFrame:
    """Reacting actors ranked by number of reactions, with their stances broken down."""
    if reactions.empty:
        return pd.DataFrame(columns=["actor_id", "actor_name", "stance", "stance_label", "count", "total", "rank"])
    keys = reactions[["actor_id", "actor_name", "stance", "stance_label"]].astype(
        {"actor_id": str, "actor_name": str, "stance_label": str}
    )
    counts = (
        keys.groupby(["actor_id", "actor_name", "stance", "stance_label"], observed=True)
        .size()
        .reset_index(name="count")
    )
    totals = counts.groupby("actor_id")["count"].transform("sum")
    counts["total"] = totals
    order = (
        counts.drop_duplicates("actor_id")
        .sort_values(["total", "actor_name"], ascending=[False, True])["actor_id"]
        .tolist()
    )
    counts["rank"] = counts["actor_id"].map({a: i + 1 for i, a in enumerate(order)})
    counts["stance"] = counts["stance"].astype(str)
    return counts.sort_values(["rank", "count"], ascending=[True, False]).reset_index(drop=True)


def latest_developments(
    talks: pd.DataFrame, positions: pd.DataFrame, reactions: pd.DataFrame, n: int = 8
) -> pd.DataFrame:
    """The newest events of any kind, newest first: rounds, positions and reactions in one list."""

    def newest(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        # Only the n newest of each table can make the list: build the text for those rows alone.
        return frame.nlargest(n, column, keep="first") if len(frame) > n else frame

    t, p, r = newest(talks, "end_date"), newest(positions, "date"), newest(reactions, "date")

    def text(frame: pd.DataFrame, column: str) -> pd.Series:
        return frame[column].astype(str)

    events = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": t["end_date"],
                    "kind": "round",
                    "who": text(t, "parties"),
                    "what": text(t, "title") + ": " + text(t, "outcome"),
                    "flags": text(t, "flags"),
                }
            ),
            pd.DataFrame(
                {
                    "date": p["date"],
                    "kind": "position",
                    "who": text(p, "actor_name"),
                    "what": text(p, "issue_label") + " (" + text(p, "stance_label") + "): " + text(p, "summary"),
                    "flags": text(p, "flags"),
                }
            ),
            pd.DataFrame(
                {
                    "date": r["date"],
                    "kind": "reaction",
                    "who": text(r, "actor_name"),
                    "what": text(r, "stance_label") + ": " + text(r, "summary"),
                    "flags": text(r, "flags"),
                }
            ),
        ],
        ignore_index=True,
    )
    return events.sort_values("date", ascending=False, kind="stable").head(n).reset_index(drop=True)


def issue_links(positions: pd.DataFrame, items: pd.DataFrame, talks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which issues each round touched, through its positions and agreed items (for the issue filter).

    With `talks`, each link also carries the round's row number in it (`talk_pos`)."""
    links = pd.concat([positions[["talk_id", "issue_id"]], items[["talk_id", "issue_id"]]], ignore_index=True)
    links = links.astype(str)
    links = links[links["talk_id"] != ""].drop_duplicates().reset_index(drop=True)
    if talks is not None:
        links["talk_pos"] = pd.Index(talks["talk_id"]).get_indexer(links["talk_id"])
    return links


def reactions_by_state(reactions: pd.DataFrame, numeric_id: Callable[[str], str | None]) -> pd.DataFrame:
    """One row per reacting actor: latest stance, number of reactions, latest summary, and map id if a state."""
    columns = [
        "actor_id",
        "actor_name",
        "actor_type",
        "country_iso3",
        "stance",
        "stance_label",
        "count",
        "date",
        "summary",
        "flags",
        "map_id",
    ]
    if reactions.empty:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    ordered = reactions.sort_values("date", kind="stable")
    latest = ordered.groupby("actor_id", sort=False).tail(1).set_index("actor_id")
    counts = ordered.groupby("actor_id").size()
    out = latest.assign(count=counts).reset_index()
    out["stance"] = out["stance"].astype(str)
    out["actor_type"] = out["actor_type"].astype(str)
    is_state = (out["actor_type"] == "state") & (out["country_iso3"] != "")
    out["map_id"] = out["country_iso3"].where(is_state, "").map(lambda c: (numeric_id(c) or "") if c else "")
    return out[columns].sort_values(["count", "actor_name"], ascending=[False, True]).reset_index(drop=True)


def cities_by_rounds(talks: pd.DataFrame) -> list[str]:
    """Cities where rounds were held, the busiest first."""
    return talks["city"].value_counts().index.tolist()


def rounds_in(talks: pd.DataFrame, city: str | None) -> set[str]:
    return set(talks.loc[talks["city"] == city, "talk_id"]) if city else set()


def off_map(by_actor: pd.DataFrame, drawable: frozenset[str]) -> pd.DataFrame:
    """Reacting actors the map cannot show: organisations, blocs and states too small at its scale."""
    return by_actor[~by_actor["map_id"].isin(drawable)]


def checks_of(fact_checks: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Fact checks of the given sources, with the checked article's outlet."""
    checks = fact_checks[fact_checks["source_id"].isin(sources["source_id"])]
    return checks.merge(sources[["source_id", "outlet"]], on="source_id")


# ---- marks for charts: one row per record while few, binned counts beyond a fixed cap -----------------------------
MAX_POINTS = 2_000  # marks per chart: a browser draws these at once, and every one is sent on every rerun
ROUND_FIELDS = ["talk_id", "start_date", "end_date", "format", "title", "city", "venue", "parties"]
ROUND_FIELDS += ["mediators", "delegation_heads", "flags"]
STATEMENT_FIELDS = ["date", "actor_name", "issue_label", "stance", "summary", "flags"]


@dataclass(frozen=True)
class Marks:
    """What a chart draws: one row per record (`binned` False), or per month and lane with a count `n`."""

    frame: pd.DataFrame
    binned: bool


def _month(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M").dt.to_timestamp()


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


def statement_marks(positions: pd.DataFrame, cap: int = MAX_POINTS) -> Marks:
    """Statements as points while they fit under the cap; beyond it, statements per party, stance and month."""
    if len(positions) <= cap:
        frame = positions[STATEMENT_FIELDS].assign(n=1).reset_index(drop=True)
        return Marks(frame.astype({"actor_name": str, "issue_label": str, "stance": str}), binned=False)
    frame = (
        pd.DataFrame({"date": _month(positions["date"]), "actor_name": positions["actor_name"]})
        .assign(stance=positions["stance"])
        .groupby(["date", "actor_name", "stance"], observed=True)
        .size()
        .reset_index(name="n")
        .astype({"actor_name": str, "stance": str})
    )
    return Marks(frame, binned=True)
