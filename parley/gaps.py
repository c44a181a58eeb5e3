"""How far apart: where each party stands on each issue's scale, over time, and the distance between two parties.

An option's rank orders it on its issue's scale (1 = Ukraine's end, highest = Russia's end). The gap between two
parties on an issue is the number of steps between their latest options; ranks give an order, not a distance, so the
gap is also given as a share of the scale and only ever compared within one issue or by its direction over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from parley.grouping import MAX_DENSE_GROUPS, Codes, column_codes, date_ordered, group, last_of_each, month_codes
from parley.memo import per_dataset
from parley.recent import per_selection
from parley.selection import Rows, as_rows

MAX_PATH_POINTS = 2000  # beyond this, one point per party, issue and month (its last option)

# The issues an analyst asks about first; the Overview gives one line to each.
CORE_ISSUES = (
    "territory",
    "ceasefire",
    "security_guarantees",
    "neutrality_nato",
    "military_limits",
    "sanctions_assets",
)

NONE_PLACED = "no placed statement"

# Records an analyst must not take at face value: drawn hollow, and a gap resting on one is marked.
CAUTION = ("disputed", "low confidence")

PATH_FIELDS = [
    "date",
    "actor_id",
    "actor_name",
    "issue_id",
    "issue_label",
    "option_id",
    "option_label",
    "option_rank",
    "summary",
    "flags",
]


def cautioned(flags: pd.Series) -> pd.Series:
    text = flags.astype(str)
    return text.str.contains(CAUTION[0], regex=False) | text.str.contains(CAUTION[1], regex=False)


@dataclass(frozen=True)
class Placed:
    """The selected positions that carry an option, in date order, with each one's rank and whether it rests on a
    flagged record as arrays: the gap is computed over these without building a frame of them."""

    rows: Rows
    rank: np.ndarray  # int64
    caution: np.ndarray  # bool
    actor: Codes

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self, positions: np.ndarray | None = None) -> pd.DataFrame:
        """The path fields (plus caution) of the rows at `positions` (all by default) as a small frame."""
        picked = np.arange(len(self.rows)) if positions is None else np.asarray(positions, dtype=np.int64)
        out = self.rows.take(picked).frame(PATH_FIELDS)
        out = out.astype({c: str for c in PATH_FIELDS if c not in ("date", "option_rank")})
        out["option_rank"] = self.rank[picked]
        out["caution"] = self.caution[picked]
        return out

    def actor_counts(self) -> dict[str, int]:
        """Placed statements per actor, most first."""
        count = np.bincount(self.actor.codes, minlength=self.actor.size)
        order = np.argsort(-count, kind="stable")
        return {str(self.actor.values[i]): int(count[i]) for i in order if count[i] > 0 and self.actor.values[i]}

    def last_day(self) -> pd.Timestamp | None:
        return pd.Timestamp(self.rows.values("date")[-1]) if len(self.rows) else None


@per_selection
def placed(positions: pd.DataFrame | Rows, options: pd.DataFrame | None = None) -> Placed:
    """Positions with an option (a rank on their issue's scale), in date order. With the issue scales given, ranks
    are read once per distinct option instead of once per row."""
    rows = date_ordered(as_rows(positions), "date")
    if options is not None and isinstance(rows.table["option_id"].dtype, pd.CategoricalDtype):
        by_option = dict(zip(options["option_id"].astype(str), options["rank"].astype("float64"), strict=True))
        per_category = np.array([by_option.get(str(c), np.nan) for c in rows.categories("option_id")] + [np.nan])
        rank = per_category[rows.codes("option_id")]
    else:
        rank = pd.array(rows.values("option_rank"), dtype="Float64").to_numpy(dtype="float64", na_value=np.nan)
    keep = np.flatnonzero(~np.isnan(rank))
    rows = rows.take(keep)
    rank = rank[keep].astype(np.int64)
    if isinstance(rows.table["flags"].dtype, pd.CategoricalDtype):
        # Once per distinct flag text, not once per row.
        per_category = cautioned(pd.Series(rows.categories("flags"))).to_numpy()
        codes = rows.codes("flags")
        caution = np.where(codes >= 0, np.append(per_category, False)[codes], False)
    else:
        caution = cautioned(pd.Series(rows.values("flags"))).to_numpy()
    return Placed(rows, rank, caution.astype(bool), column_codes(rows, "actor_id"))


@per_selection
def option_path(data: Placed, cap: int = MAX_PATH_POINTS) -> tuple[pd.DataFrame, bool]:
    """Each party's options over time on each issue's scale: every placed statement while they fit under the cap;
    beyond it, the last option per party, issue and month. Returns (frame, binned)."""
    if len(data) <= cap:
        return data.frame(), False
    rows = data.rows
    keys = [data.actor, column_codes(rows, "issue_id"), month_codes(rows, "date")]
    last = np.sort(group(rows, keys).last)
    frame = data.frame(last)
    frame["date"] = frame["date"].dt.to_period("M").dt.to_timestamp()
    return frame, True


@dataclass(frozen=True)
class _Track:
    """For each issue and day on which either side of the pair spoke, each side's last statement of that day, in
    issue then day order (first side first); and for each such entry the latest statement of either side on that
    issue up to it (-1: none yet), as positions in `Placed`. A day's many statements count once: the day's last
    one decides, so a million statements over a few years come down to a few tens of thousands of entries."""

    issue: np.ndarray  # issue code per entry
    issues: np.ndarray  # what each code stands for
    day: np.ndarray  # day number per entry
    last_a: np.ndarray
    last_b: np.ndarray


def _track(data: Placed, pair: tuple[str, str]) -> _Track:
    def compute() -> _Track:
        values = list(data.actor.values)
        code_a = values.index(pair[0]) if pair[0] in values else -2
        code_b = values.index(pair[1]) if pair[1] in values else -2
        mine = np.flatnonzero((data.actor.codes == code_a) | (data.actor.codes == code_b))
        # Only the pair's statements are read from here on, not every placed one.
        theirs = data.rows.take(mine)
        issues, dates = column_codes(theirs, "issue_id"), theirs.values("date")
        dated = ~np.isnat(dates)  # a statement without a date has no place on a time axis
        day = dates[dated].astype("datetime64[D]").astype(np.int64)
        issue_codes, second = issues.codes[dated].astype(np.int64), data.actor.codes[mine][dated] != code_a
        at = mine[dated]
        if len(day) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return _Track(empty, issues.values, empty, empty, empty)
        first, span = int(day.min()), int(day.max() - day.min()) + 1
        # One number per issue, day and side, in that order; the last statement of each is the latest (date order).
        key = (issue_codes * span + (day - first)) * 2 + second
        size = issues.size * span * 2
        if size <= MAX_DENSE_GROUPS:
            last = last_of_each(key, size)
            present = np.flatnonzero(last >= 0)
            statement = at[last[present]]
        else:
            order = np.argsort(key, kind="stable")
            ends = np.r_[key[order][1:] != key[order][:-1], True]
            present, statement = key[order][ends], at[order[ends]]
        issue, entry_day, is_a = present // (span * 2), present // 2 % span + first, present % 2 == 0
        n = len(present)
        steps = np.arange(n)
        start = np.maximum.accumulate(np.where(np.r_[True, issue[1:] != issue[:-1]], steps, 0))

        def latest(side: np.ndarray) -> np.ndarray:
            last = np.maximum.accumulate(np.where(side, steps, -1))
            last = np.where(last >= start, last, -1)
            return np.where(last >= 0, statement[np.maximum(last, 0)], -1)

        return _Track(issue, issues.values, entry_day, latest(is_a), latest(~is_a))

    return data.rows.remembered(f"gap track {pair!r}", compute)


def _held_on(track: _Track, day: pd.Timestamp | None) -> dict[str, tuple[int, int]]:
    """Per issue, the positions (in Placed) of each side's latest statement on or before `day` (-1: none)."""
    if day is None or len(track.issue) == 0:
        return {}
    cutoff = np.datetime64(pd.Timestamp(day).date(), "D").astype(np.int64)
    held: dict[str, tuple[int, int]] = {}
    ends = np.r_[np.flatnonzero(track.issue[1:] != track.issue[:-1]), len(track.issue) - 1]
    starts = np.r_[0, ends[:-1] + 1]
    for first, last in zip(starts, ends, strict=True):
        # Days ascend within an issue: the last entry on or before the cutoff holds both sides' latest.
        upto = first + int(np.searchsorted(track.day[first : last + 1], cutoff, side="right")) - 1
        if upto >= first:
            held[str(track.issues[track.issue[first]])] = (int(track.last_a[upto]), int(track.last_b[upto]))
    return held


@per_dataset
def scale_sizes(options: pd.DataFrame) -> pd.Series:
    """Number of options on each issue's scale, in the codebook's order of issues (once per loaded table: shared,
    callers must not change it)."""
    return options.groupby(options["issue_id"].astype(str), sort=False).size()


@per_dataset
def scale_size_map(options: pd.DataFrame) -> dict[str, int]:
    """scale_sizes as a mapping, once per dataset: a chart remembered per selection finds the same one again."""
    return scale_sizes(options).to_dict()


def gap_table(
    data: Placed,
    options: pd.DataFrame,
    pair: tuple[str, str],
    at: date | pd.Timestamp | None = None,
    then: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per issue with a scale: each side's latest option on or before `at` (default: the last placed
    statement), the gap in steps and as a share of the scale, and (when `then` is given) the gap on `then` and its
    change. Issues where neither side has an option are left out; the rest come widest gap first, unknown last."""
    track = _track(data, pair)
    now = _held_on(track, at if at is not None else data.last_day())
    before = _held_on(track, then) if then is not None else None
    # The table depends on the day only through which statements hold then: a window a day shorter usually names
    # the same ones, and finds the table already built.
    return _gap_rows(data, options, tuple(now.items()), None if before is None else tuple(before.items()))


@per_selection
def _gap_rows(
    data: Placed,
    options: pd.DataFrame,
    held_now: tuple[tuple[str, tuple[int, int]], ...],
    held_then: tuple[tuple[str, tuple[int, int]], ...] | None,
) -> pd.DataFrame:
    now, before, then = dict(held_now), dict(held_then or ()), held_then
    sides = sorted({p for pair_at in now.values() for p in pair_at if p >= 0})
    # Each side's option and date read at the dozen statements the table names: a frame of them cost more than the
    # rest of the table.
    picked = data.rows.take(np.array(sides, dtype=np.int64))
    option_at = dict(zip(sides, (str(v) for v in picked.values("option_label")), strict=True))
    date_at = dict(zip(sides, (pd.Timestamp(v) for v in picked.values("date")), strict=True))
    labels = dict(zip(options["issue_id"].astype(str), options["issue_label"].astype(str), strict=False))
    rows = []
    for issue, size in scale_sizes(options).items():
        if issue not in now:
            continue
        ia, ib = now[issue]
        if ia < 0 and ib < 0:
            continue
        gap = abs(int(data.rank[ia]) - int(data.rank[ib])) if ia >= 0 and ib >= 0 else None
        row = {
            "issue_id": issue,
            "issue_label": labels.get(issue, issue),
            "scale_size": int(size),
            "a_option": option_at[ia] if ia >= 0 else None,
            "a_rank": int(data.rank[ia]) if ia >= 0 else None,
            "a_date": date_at[ia] if ia >= 0 else None,
            "b_option": option_at[ib] if ib >= 0 else None,
            "b_rank": int(data.rank[ib]) if ib >= 0 else None,
            "b_date": date_at[ib] if ib >= 0 else None,
            "gap": gap,
            "gap_share": gap / (size - 1) if gap is not None and size > 1 else None,
            "a_caution": bool(ia >= 0 and data.caution[ia]),
            "b_caution": bool(ib >= 0 and data.caution[ib]),
        }
        if then is not None:
            oa, ob = before.get(issue, (-1, -1))
            old = abs(int(data.rank[oa]) - int(data.rank[ob])) if oa >= 0 and ob >= 0 else None
            row["gap_then"] = old
            row["change"] = gap - old if gap is not None and old is not None else None
        rows.append(row)
    return _gap_frame(rows, then is not None)


def _gap_frame(rows: list[dict], with_then: bool) -> pd.DataFrame:
    columns = [
        "issue_id",
        "issue_label",
        "scale_size",
        "a_option",
        "a_rank",
        "a_date",
        "b_option",
        "b_rank",
        "b_date",
        "gap",
        "gap_share",
        "a_caution",
        "b_caution",
    ]
    counts = ["a_rank", "b_rank", "gap"]
    if with_then:
        columns += ["gap_then", "change"]
        counts += ["gap_then", "change"]
    # Widest first as drawn (share of the scale), steps breaking ties; unknown gaps last, in the issues' order.
    # Sorted as rows, stable like the lexsort it replaces: a dozen issues, where frame steps cost more than the sort.
    rows = sorted(rows, key=lambda r: (-_or(r["gap_share"], -1), -_or(r["gap"], -1)))

    def column(name: str) -> object:
        # Each column typed once from its list: a frame of objects converted column by column cost several ms.
        values = [row[name] for row in rows]
        if name in counts:
            return pd.array(values, dtype="Int64")
        if name == "gap_share":
            return pd.array(values, dtype="Float64")
        if name in ("a_date", "b_date"):
            return pd.to_datetime(pd.Series(values, dtype=object))
        if not values:
            return pd.Series(values, dtype=object)
        return pd.Series(values, dtype=bool) if name.endswith("caution") else values

    data = {name: column(name) for name in columns}
    data["caution"] = pd.Series([bool(r["a_caution"]) or bool(r["b_caution"]) for r in rows], dtype=bool)
    return pd.DataFrame(data, columns=[*columns, "caution"])


def _or(value: float | int | None, default: float) -> float:
    return default if value is None else float(value)


@per_selection
def gap_over_time(data: Placed, pair: tuple[str, str], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """For each issue, the gap between the pair from the first day both have an option, with a row only where the
    gap (or whether it rests on a flagged record) changes: date, issue_id, issue_label, gap, caution."""
    track = _track(data, pair)
    both = (track.last_a >= 0) & (track.last_b >= 0)
    a, b = np.maximum(track.last_a, 0), np.maximum(track.last_b, 0)
    gap = np.abs(data.rank[a] - data.rank[b])
    caution = data.caution[a] | data.caution[b]
    # One value per issue and day (the day's last statement decides), then only the changes within an issue.
    n = len(track.issue)
    last_of_day = np.r_[(track.issue[1:] != track.issue[:-1]) | (track.day[1:] != track.day[:-1]), True] if n else both
    keep = np.flatnonzero(both & last_of_day)
    issue, gap, caution, day = track.issue[keep], gap[keep], caution[keep], track.day[keep]
    # np.r_[False, <empty>] has one element: with nothing kept, nothing repeats.
    same = np.r_[False, (issue[1:] == issue[:-1]) & (gap[1:] == gap[:-1]) & (caution[1:] == caution[:-1])][: len(issue)]
    keep = ~same
    issue_ids = track.issues[issue[keep]].astype(str)
    return pd.DataFrame(
        {
            "date": day[keep].astype("datetime64[D]").astype("datetime64[us]"),
            "issue_id": issue_ids,
            "issue_label": [(labels or {}).get(i, i) for i in issue_ids],
            "gap": gap[keep].astype(np.int64),
            "caution": caution[keep].astype(bool),
        }
    )


def reference_day(data: Placed, end: date | None) -> pd.Timestamp | None:
    """'Now' for the gap: the window's end, or the last placed statement when the window is open."""
    if end is not None:
        return pd.Timestamp(end)
    return data.last_day()


def days_before(day: pd.Timestamp | None, days: int) -> pd.Timestamp | None:
    return None if day is None else day - timedelta(days=days)


@per_selection
def plan_marks(
    provisions: pd.DataFrame, issues: tuple[str, ...] = (), start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Plan provisions with an option, presented inside the window and on the chosen issues, to draw beside the
    parties' options: presented, plan_title, issue_id, option_label, option_rank, summary, flags, caution."""
    keep = provisions["option_id"].astype(str) != ""
    if issues:
        keep &= provisions["issue_id"].astype(str).isin(issues)
    if start is not None:
        keep &= provisions["presented"] >= pd.Timestamp(start)
    if end is not None:
        keep &= provisions["presented"] <= pd.Timestamp(end)
    marks = provisions.loc[
        keep, ["presented", "plan_title", "issue_id", "option_label", "option_rank", "summary", "flags"]
    ]
    marks = marks.astype({"plan_title": str, "issue_id": str, "option_label": str, "summary": str, "flags": str})
    return marks.assign(caution=cautioned(marks["flags"])).reset_index(drop=True)


def change_in_words(gap: object, gap_then: object) -> str:
    """'narrowed by 2 steps', 'widened by 1 step', 'unchanged', or why there is nothing to compare."""
    if pd.isna(gap):
        return "no gap to measure"
    if pd.isna(gap_then):
        return "not measurable then"
    change = int(gap) - int(gap_then)
    if change == 0:
        return "unchanged"
    steps = f"{abs(change)} step{'s' if abs(change) != 1 else ''}"
    return f"widened by {steps}" if change > 0 else f"narrowed by {steps}"


@per_selection
def with_none_placed(table: pd.DataFrame) -> pd.DataFrame:
    """The gap table as shown: a side without a placed option says so instead of an empty cell."""
    return table.assign(**{c: table[c].fillna(NONE_PLACED) for c in ("a_option", "b_option")})


@per_selection
def measured(table: pd.DataFrame) -> pd.DataFrame:
    """The issues of a gap table where both sides hold an option."""
    return table[table["gap"].notna()]


@per_selection
def core_summary(table: pd.DataFrame, issue_labels: dict[str, str]) -> pd.DataFrame:
    """core_lines with each issue's label, and the caution in words: the Overview's table."""
    lines = core_lines(table)
    return lines.assign(
        issue_label=lines["issue_id"].map(issue_labels),
        caution=lines["caution"].map({True: "rests on a disputed or low-confidence record", False: ""}),
    )


def core_lines(table: pd.DataFrame) -> pd.DataFrame:
    """One line per core issue from a gap table (issues without any placed statement included, in core order):
    issue, each side's option, the gap in words and its change in words."""
    lines = []
    # Rows as plain dicts: a dozen issues, where a lookup per issue in an indexed frame cost more than the table.
    by_issue = {row["issue_id"]: row for row in table.to_dict("records")}
    for issue in CORE_ISSUES:
        row = by_issue.get(issue)
        if row is None:
            lines.append(
                {
                    "issue_id": issue,
                    "a_option": NONE_PLACED,
                    "b_option": NONE_PLACED,
                    "gap": "no gap to measure",
                    "change": "no gap to measure",
                    "caution": False,
                }
            )
            continue
        lines.append(
            {
                "issue_id": issue,
                "a_option": NONE_PLACED if pd.isna(row["a_option"]) else str(row["a_option"]),
                "b_option": NONE_PLACED if pd.isna(row["b_option"]) else str(row["b_option"]),
                "gap": "no gap to measure"
                if pd.isna(row["gap"])
                else f"{int(row['gap'])} of {int(row['scale_size']) - 1} steps",
                "change": change_in_words(row["gap"], row.get("gap_then")),
                "caution": bool(row["caution"]),
            }
        )
    return pd.DataFrame(lines, columns=["issue_id", "a_option", "b_option", "gap", "change", "caution"])
