"""How far apart: where each party stands on each issue's scale, over time, and the distance between two parties.

An option's rank orders it on its issue's scale (1 = Ukraine's end, highest = Russia's end). The gap between two
parties on an issue is the number of steps between their latest options; ranks give an order, not a distance, so the
gap is also given as a share of the scale and only ever compared within one issue or by its direction over time.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

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


def placed(positions: pd.DataFrame | Rows) -> pd.DataFrame:
    """Positions with an option, in date order (the loaded table's order), as a small frame of the path fields."""
    rows = as_rows(positions)
    frame = rows.frame(PATH_FIELDS)
    frame = frame[frame["option_id"].astype(str) != ""]
    out = frame.astype(
        {
            "actor_id": str,
            "actor_name": str,
            "issue_id": str,
            "issue_label": str,
            "option_id": str,
            "option_label": str,
            "flags": str,
        }
    )
    out["caution"] = cautioned(out["flags"])
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def option_path(positions: pd.DataFrame | Rows, cap: int = MAX_PATH_POINTS) -> tuple[pd.DataFrame, bool]:
    """Each party's options over time on each issue's scale: every placed statement while they fit under the cap;
    beyond it, the last option per party, issue and month. Returns (frame, binned)."""
    frame = placed(positions)
    if len(frame) <= cap:
        return frame, False
    frame["date"] = frame["date"].dt.to_period("M").dt.to_timestamp()
    last = frame.groupby(["actor_id", "issue_id", "date"], sort=False).tail(1)
    return last.sort_values("date", kind="stable").reset_index(drop=True), True


def latest_options(placed_frame: pd.DataFrame, at: date | pd.Timestamp | None = None) -> pd.DataFrame:
    """The latest placed statement of each party on each issue, on or before `at` (ties: the later row wins)."""
    frame = placed_frame if at is None else placed_frame[placed_frame["date"] <= pd.Timestamp(at)]
    return frame.groupby(["actor_id", "issue_id"], sort=False).tail(1).reset_index(drop=True)


def scale_sizes(options: pd.DataFrame) -> pd.Series:
    """Number of options on each issue's scale, in the codebook's order of issues."""
    return options.groupby(options["issue_id"].astype(str), sort=False).size()


def gap_table(
    placed_frame: pd.DataFrame,
    options: pd.DataFrame,
    pair: tuple[str, str],
    at: date | pd.Timestamp | None = None,
    then: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per issue with a scale: each side's latest option on or before `at`, the gap in steps and as a share
    of the scale, and (when `then` is given) the gap on `then` and its change. Issues where neither side has an
    option are left out; the rest are sorted widest gap first, unknown gaps last."""
    a, b = pair
    sizes = scale_sizes(options)
    labels = options.drop_duplicates("issue_id").set_index(options.drop_duplicates("issue_id")["issue_id"].astype(str))
    rows = []
    now = _sides(latest_options(placed_frame, at), a, b)
    before = _sides(latest_options(placed_frame, then), a, b) if then is not None else {}
    for issue, size in sizes.items():
        side_a, side_b = now.get((a, issue)), now.get((b, issue))
        if side_a is None and side_b is None:
            continue
        gap = _gap(side_a, side_b)
        row = {
            "issue_id": issue,
            "issue_label": str(labels.loc[issue, "issue_label"]) if "issue_label" in labels.columns else issue,
            "scale_size": int(size),
            "a_option": _field(side_a, "option_label"),
            "a_rank": _rank(side_a),
            "a_date": _field(side_a, "date"),
            "b_option": _field(side_b, "option_label"),
            "b_rank": _rank(side_b),
            "b_date": _field(side_b, "date"),
            "gap": gap,
            "gap_share": gap / (size - 1) if gap is not None and size > 1 else None,
            "a_caution": side_a is not None and bool(side_a["caution"]),
            "b_caution": side_b is not None and bool(side_b["caution"]),
        }
        if then is not None:
            old = _gap(before.get((a, issue)), before.get((b, issue)))
            row["gap_then"] = old
            row["change"] = gap - old if gap is not None and old is not None else None
        rows.append(row)
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
    if then is not None:
        columns += ["gap_then", "change"]
    table = pd.DataFrame(rows, columns=columns)
    for column in ("a_rank", "b_rank", "gap", *(("gap_then", "change") if then is not None else ())):
        table[column] = pd.array(table[column].tolist(), dtype="Int64")
    table["gap_share"] = pd.array(table["gap_share"].tolist(), dtype="Float64")
    table["caution"] = table["a_caution"].astype(bool) | table["b_caution"].astype(bool)
    for column in ("a_date", "b_date"):
        table[column] = pd.to_datetime(table[column])
    # Widest first as drawn (share of the scale), steps breaking ties; unknown gaps last, in the issues' order.
    order = np.lexsort((-table["gap"].fillna(-1).to_numpy(), -table["gap_share"].fillna(-1).to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def gap_over_time(placed_frame: pd.DataFrame, pair: tuple[str, str]) -> pd.DataFrame:
    """For each issue, the gap between the pair from the first day both have an option, with a row only where the
    gap (or whether it rests on a flagged record) changes: date, issue_id, issue_label, gap, caution."""
    a, b = pair
    frame = placed_frame[placed_frame["actor_id"].isin(pair)].sort_values(["issue_id", "date"], kind="stable")
    rank = frame["option_rank"].astype("float64")
    is_a = (frame["actor_id"] == a).to_numpy()
    by_issue = frame["issue_id"].to_numpy()
    sides = pd.DataFrame(
        {
            "a": rank.where(is_a),
            "b": rank.where(~is_a),
            "a_caution": frame["caution"].where(is_a).astype("float64"),
            "b_caution": frame["caution"].where(~is_a).astype("float64"),
        },
        index=frame.index,
    )
    # Each side's latest option carried forward within the issue, as of every statement by either side.
    held = sides.groupby(by_issue, sort=False).ffill()
    table = pd.DataFrame(
        {
            "date": frame["date"],
            "issue_id": frame["issue_id"],
            "issue_label": frame["issue_label"],
            "gap": (held["a"] - held["b"]).abs(),
            "caution": (held["a_caution"] == 1) | (held["b_caution"] == 1),
        }
    ).dropna(subset=["gap"])
    # One value per issue and day (the day's last statement decides), then only the changes.
    table = table.groupby(["issue_id", "date"], sort=False).tail(1)
    same_issue = table["issue_id"].eq(table["issue_id"].shift())
    unchanged = same_issue & table["gap"].eq(table["gap"].shift()) & table["caution"].eq(table["caution"].shift())
    table = table[~unchanged].reset_index(drop=True)
    return table.astype({"gap": "int64", "caution": bool})


def reference_day(placed_frame: pd.DataFrame, end: date | None) -> pd.Timestamp | None:
    """'Now' for the gap: the window's end, or the last placed statement when the window is open."""
    if end is not None:
        return pd.Timestamp(end)
    return placed_frame["date"].max() if len(placed_frame) else None


def days_before(day: pd.Timestamp | None, days: int) -> pd.Timestamp | None:
    return None if day is None else day - timedelta(days=days)


def _sides(latest: pd.DataFrame, a: str, b: str) -> dict[tuple[str, str], pd.Series]:
    mine = latest[latest["actor_id"].isin((a, b))]
    return {(row["actor_id"], row["issue_id"]): row for _, row in mine.iterrows()}


def _gap(side_a: pd.Series | None, side_b: pd.Series | None) -> int | None:
    if side_a is None or side_b is None:
        return None
    return abs(int(side_a["option_rank"]) - int(side_b["option_rank"]))


def _rank(side: pd.Series | None) -> int | None:
    return None if side is None else int(side["option_rank"])


def _field(side: pd.Series | None, name: str) -> object:
    return None if side is None else side[name]


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


def core_lines(table: pd.DataFrame) -> pd.DataFrame:
    """One line per core issue from a gap table (issues without any placed statement included, in core order):
    issue, each side's option, the gap in words and its change in words."""
    lines = []
    by_issue = table.set_index("issue_id") if len(table) else None
    for issue in CORE_ISSUES:
        row = by_issue.loc[issue] if by_issue is not None and issue in by_issue.index else None
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
