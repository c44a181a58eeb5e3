"""Peace plans seen through the filters: which plans are in view, where each puts itself on every issue's scale,
and how two plans differ issue by issue. Pure pandas; plans and provisions are small release tables.

Ranks: 1 is Ukraine's end of an issue's scale, the highest rank Russia's end (data/README.md, issue_options.csv).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from parley.filters import Filters, format_date, plans_mask, provisions_mask
from parley.gaps import scale_sizes
from parley.loading import Dataset
from parley.recent import once_per_selection, per_selection, selected, shared_subset
from parley.schema import CONFIDENCE_ORDER

T = TypeVar("T")

# Flag words as building._flags writes them, in the order it writes them.
FLAG_ORDER = ("disputed", "low confidence", "single source")
CAUTION_FLAGS = ("disputed", "low confidence")  # the flags that mean "do not read this as plain fact"
SUMMARY_SEP = " · "

MATRIX_COLUMNS = [
    "plan_id",
    "plan_title",
    "presented",
    "issue_id",
    "issue_label",
    "option_id",
    "option_label",
    "option_rank",
    "scale_size",
    "share",
    "points",
    "summaries",
    "confidence",
    "flags",
    "caution",
]
COMPARE_COLUMNS = [
    "issue_id",
    "issue_label",
    "option_a",
    "rank_a",
    "summary_a",
    "flags_a",
    "option_b",
    "rank_b",
    "summary_b",
    "flags_b",
    "scale_size",
    "steps",
    "verdict",
]


@dataclass(frozen=True)
class PlanView:
    """The plans the filters keep and, of those, the provisions they keep (both in the dataset's order)."""

    plans: pd.DataFrame
    provisions: pd.DataFrame

    @property
    def is_empty(self) -> bool:
        return self.plans.empty


def apply_plans(plans: pd.DataFrame, provisions: pd.DataFrame, f: Filters) -> PlanView:
    """Plans presented in the window by a chosen party; with an issue filter, only plans with a point on a chosen
    issue, and only those points. Hiding low confidence drops low-confidence plans and points alike."""
    kept = plans[plans_mask(plans, f)]
    points = provisions[provisions_mask(provisions, f) & provisions["plan_id"].isin(kept["plan_id"]).to_numpy()]
    if f.issues:
        kept = kept[kept["plan_id"].isin(points["plan_id"])]
    return PlanView(plans=kept, provisions=points)


@per_selection
def plans_in_view(ds: Dataset, f: Filters) -> PlanView:
    """apply_plans of the dataset's plans, each frame the same object as on the last rerun that kept these rows
    (parley.recent): a filter change that keeps them finds the answers built from them. Once per dataset and
    filters: the page and its search ask for it on the same rerun."""
    plans, provisions = _kept_masks(ds.plans, ds.provisions, f)
    return PlanView(plans=shared_subset(ds.plans, plans), provisions=shared_subset(ds.provisions, provisions))


def _kept_masks(plans: pd.DataFrame, provisions: pd.DataFrame, f: Filters) -> tuple[np.ndarray, np.ndarray]:
    """apply_plans as one flag per plan and per provision."""
    kept = plans_mask(plans, f)
    kept_ids = set(plans["plan_id"].to_numpy()[kept].tolist())
    points = provisions_mask(provisions, f) & np.fromiter(
        (p in kept_ids for p in provisions["plan_id"].tolist()), dtype=bool, count=len(provisions)
    )
    if f.issues:
        with_points = set(provisions["plan_id"].to_numpy()[points].tolist())
        kept &= np.fromiter((p in with_points for p in plans["plan_id"].tolist()), dtype=bool, count=len(plans))
    return kept, points


def once_per_view(ds: Dataset, view: PlanView, what: Hashable, make: Callable[[], T]) -> T:
    """`make()`, worked out once per view (the plans and points in view) and `what`: the answer depends on them alone.

    Plans are few, so most filter changes (a day off the window, a party that proposed none) keep the same plans and
    points and reuse the matrix, comparison and choices instead of building them again. Shared: callers must not
    change it."""
    rows = selected((ds.plans, view.plans), (ds.provisions, view.provisions))
    return once_per_selection(ds.provisions, rows, what, make)


def plan_choices(ds: Dataset, view: PlanView) -> tuple[list[str], dict[str, str], tuple[str | None, str | None]]:
    """The plans to choose from, newest first, the name each is shown by (title and date) and the default pair."""

    def build() -> tuple[list[str], dict[str, str], tuple[str | None, str | None]]:
        ordered = view.plans.sort_values(["presented", "plan_id"], ascending=False, kind="stable")
        options = ordered["plan_id"].astype(str).tolist()
        names = ordered["title"].astype(str) + " · " + ordered["presented"].map(format_date)
        return options, dict(zip(options, names, strict=True)), newest_pair(view.plans)

    return once_per_view(ds, view, "choices", build)


def newest_pair(plans: pd.DataFrame) -> tuple[str | None, str | None]:
    """The default comparison: the second most recent plan as A, the most recent as B (so B is the later text)."""
    ordered = plans.sort_values(["presented", "plan_id"], kind="stable")["plan_id"].tolist()
    if len(ordered) < 2:
        return (None, ordered[-1] if ordered else None)
    return ordered[-2], ordered[-1]


# ---- the issue x plan matrix -------------------------------------------------------------------------------------
def _merged_flags(flags: list[str]) -> str:
    """Every flag any of the cell's points carries, in the usual order: a cell is as doubtful as its weakest point."""
    present = {part.strip() for text in flags for part in text.split(",") if part.strip()}
    return ", ".join(flag for flag in FLAG_ORDER if flag in present)


def _weakest(confidence: list[str]) -> str:
    values = set(confidence)
    return next((c for c in reversed(CONFIDENCE_ORDER) if c in values), "")


def _cell(points: list[dict]) -> dict[str, object]:
    """One plan's points on one issue (already in point order) as one cell."""
    ranked = [p for p in points if p["option_id"]]
    # The lowest-numbered point that places the plan on the scale decides the cell; the others are listed with it.
    chosen = ranked[0] if ranked else None
    numbers = [str(p["point"]) for p in points]
    return {
        "option_id": "" if chosen is None else chosen["option_id"],
        "option_label": "" if chosen is None else chosen["option_label"],
        "option_rank": pd.NA if chosen is None else chosen["option_rank"],
        "points": ", ".join(numbers),
        "summaries": SUMMARY_SEP.join(f"Point {n}: {p['summary']}" for n, p in zip(numbers, points, strict=True)),
        "confidence": _weakest([p["confidence"] for p in points]),
        "flags": _merged_flags([p["flags"] for p in points]),
    }


def _issue_order(issue_ids: pd.Series, options: pd.DataFrame) -> list[str]:
    """issues.csv order: the categories of a typed issue_id column; otherwise the scales' order, then first seen."""
    for column in (issue_ids, options["issue_id"]):
        if isinstance(column.dtype, pd.CategoricalDtype):
            return [str(c) for c in column.cat.categories]
    seen = [str(i) for i in pd.unique(options["issue_id"].astype(str))]
    return list(dict.fromkeys([*seen, *(str(i) for i in pd.unique(issue_ids.astype(str)))]))


def plan_matrix(provisions: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """One row per plan and issue the plan has a point on: the option it takes, its rank and share of the scale
    (0 = Ukraine's end, 1 = Russia's end), every point's summary, the weakest confidence and every flag.

    Rows in issue order, then plan order (the order of `provisions`, oldest plan first in the dataset)."""
    if provisions.empty:
        return pd.DataFrame({c: pd.Series(dtype=_MATRIX_DTYPES.get(c, "str")) for c in MATRIX_COLUMNS})
    plan_order = list(dict.fromkeys(provisions["plan_id"].astype(str)))
    issues = _issue_order(provisions["issue_id"], options)
    plan_at = {p: i for i, p in enumerate(plan_order)}
    issue_at = {p: i for i, p in enumerate(issues)}
    # A few hundred points at most: plain Python over their rows is far cheaper than a pandas group per cell (and
    # than the frame steps that would sort and type them first).
    texts = ("plan_id", "plan_title", "issue_id", "issue_label", "option_id", "option_label", "summary")
    texts += ("confidence", "flags")
    values = {c: [str(v) for v in provisions[c].tolist()] for c in texts}
    values |= {c: provisions[c].tolist() for c in ("option_rank", "point", "provision_id")}
    # Dates stay one array, read at each cell's first point: a Timestamp object per point cost most of the matrix.
    presented = provisions["presented"].to_numpy()
    names = list(values)
    records = []
    for at, row in enumerate(zip(*values.values(), strict=True)):
        record = dict(zip(names, row, strict=True))
        record["_row"] = at
        if record["option_id"] in ("nan", "<NA>", "None"):
            record["option_id"] = ""
        record["_plan"] = plan_at[record["plan_id"]]
        record["_issue"] = issue_at.get(record["issue_id"], len(issues))
        records.append(record)
    records.sort(key=lambda r: (r["_issue"], r["_plan"], r["point"], str(r["provision_id"])))
    groups: dict[tuple[object, object], list[dict]] = {}
    for row in records:
        groups.setdefault((row["_plan"], row["_issue"]), []).append(row)
    rows = [
        {
            "plan_id": points[0]["plan_id"],
            "plan_title": points[0]["plan_title"],
            "presented": points[0]["_row"],
            "issue_id": points[0]["issue_id"],
            "issue_label": points[0]["issue_label"],
            **_cell(points),
        }
        for points in groups.values()
    ]
    cells = pd.DataFrame(rows)
    cells["option_rank"] = cells["option_rank"].astype("Int64")
    cells["scale_size"] = cells["issue_id"].map(scale_sizes(options)).astype("Int64")
    spread = (cells["scale_size"] - 1).astype("Float64")
    cells["share"] = ((cells["option_rank"] - 1) / spread.where(spread > 0)).astype("Float64")
    cells["caution"] = cells["flags"].str.contains("|".join(CAUTION_FLAGS), regex=True)
    cells["presented"] = pd.to_datetime(presented[cells["presented"].to_numpy()])
    return cells[MATRIX_COLUMNS].reset_index(drop=True)


_MATRIX_DTYPES = {
    "presented": "datetime64[us]",
    "option_rank": "Int64",
    "scale_size": "Int64",
    "share": "Float64",
    "caution": "bool",
}


# ---- two plans side by side ------------------------------------------------------------------------------------
def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def verdict(in_a: bool, in_b: bool, rank_a: object, rank_b: object) -> str:
    """How plan B stands against plan A on one issue, in words (a lower rank is nearer Ukraine's end)."""
    if not in_b:
        return "only in A"
    if not in_a:
        return "only in B"
    if pd.isna(rank_a) or pd.isna(rank_b):
        return "both, off the scale"
    moved = int(rank_b) - int(rank_a)  # type: ignore[call-overload]
    if moved == 0:
        return "same option"
    toward = "Ukraine" if moved < 0 else "Russia"
    return f"B moves toward {toward} by {_steps(abs(moved))}"


def compare_plans(provisions: pd.DataFrame, plan_a: str, plan_b: str, options: pd.DataFrame) -> pd.DataFrame:
    """One row per issue either plan has a point on, in issues.csv order: each plan's option, rank, points and
    flags, the rank difference B − A (`steps`, only when both are on the scale) and the verdict in words."""
    cells = plan_matrix(provisions[provisions["plan_id"].isin([plan_a, plan_b])], options)
    a = cells[cells["plan_id"] == plan_a].set_index("issue_id")
    b = cells[cells["plan_id"] == plan_b].set_index("issue_id")
    issues = _issue_order(provisions["issue_id"], options)
    present = set(a.index) | set(b.index)
    rows = []
    for issue in (i for i in issues if i in present):
        in_a, in_b = issue in a.index, issue in b.index
        cell_a = a.loc[issue] if in_a else None
        cell_b = b.loc[issue] if in_b else None
        either = cell_a if cell_a is not None else cell_b
        rank_a = cell_a["option_rank"] if cell_a is not None else pd.NA
        rank_b = cell_b["option_rank"] if cell_b is not None else pd.NA
        both_ranked = in_a and in_b and not pd.isna(rank_a) and not pd.isna(rank_b)
        rows.append(
            {
                "issue_id": issue,
                "issue_label": either["issue_label"],
                "option_a": "" if cell_a is None else cell_a["option_label"],
                "rank_a": rank_a,
                "summary_a": "" if cell_a is None else cell_a["summaries"],
                "flags_a": "" if cell_a is None else cell_a["flags"],
                "option_b": "" if cell_b is None else cell_b["option_label"],
                "rank_b": rank_b,
                "summary_b": "" if cell_b is None else cell_b["summaries"],
                "flags_b": "" if cell_b is None else cell_b["flags"],
                "scale_size": either["scale_size"],
                "steps": int(rank_b) - int(rank_a) if both_ranked else pd.NA,
                "verdict": verdict(in_a, in_b, rank_a, rank_b),
            }
        )
    frame = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    for column in ("rank_a", "rank_b", "scale_size", "steps"):
        frame[column] = frame[column].astype("Int64")
    for column in set(COMPARE_COLUMNS) - {"rank_a", "rank_b", "scale_size", "steps"}:
        frame[column] = frame[column].astype("str")
    return frame


def comparison_marks(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison as points on a 0..1 scale per issue (one row per plan on the scale), for the small chart."""
    spread = (comparison["scale_size"] - 1).astype("Float64")
    parts = []
    for side in ("a", "b"):
        rank = comparison[f"rank_{side}"]
        part = pd.DataFrame(
            {
                "issue_label": comparison["issue_label"],
                "side": side.upper(),
                "option_label": comparison[f"option_{side}"],
                "rank": rank,
                "scale_size": comparison["scale_size"],
                "share": ((rank - 1) / spread.where(spread > 0)).astype("Float64"),
                "flags": comparison[f"flags_{side}"],
                "verdict": comparison["verdict"],
            }
        )
        parts.append(part[rank.notna().to_numpy()])
    marks = pd.concat(parts, ignore_index=True)
    marks["caution"] = marks["flags"].str.contains("|".join(CAUTION_FLAGS), regex=True).astype(bool)
    return marks
