"""The one filter object for the current view: apply it to tables, describe it in words, carry it in the URL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

import numpy as np
import pandas as pd

# URL parameter names; lists repeat the parameter (?party=RUS&party=UKR).
P_PARTY, P_ISSUE, P_FROM, P_TO, P_FORMAT, P_HIDE_LOW, P_ROUND = (
    "party",
    "issue",
    "from",
    "to",
    "format",
    "hide_low",
    "round",
)


@dataclass(frozen=True)
class Filters:
    """Empty tuples and None mean "no restriction"."""

    parties: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    formats: tuple[str, ...] = ()
    hide_low: bool = False
    talk: str | None = None  # a selected round (Timeline page)

    # ---- URL -----------------------------------------------------------------------------------------
    def to_query(self) -> dict[str, list[str]]:
        """Only non-default values, so the default view has a clean URL."""
        query: dict[str, list[str]] = {}
        if self.parties:
            query[P_PARTY] = list(self.parties)
        if self.issues:
            query[P_ISSUE] = list(self.issues)
        if self.start:
            query[P_FROM] = [self.start.isoformat()]
        if self.end:
            query[P_TO] = [self.end.isoformat()]
        if self.formats:
            query[P_FORMAT] = list(self.formats)
        if self.hide_low:
            query[P_HIDE_LOW] = ["1"]
        if self.talk:
            query[P_ROUND] = [self.talk]
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str | Sequence[str]]) -> Filters:
        """Lenient: unknown keys and unparsable values are dropped rather than failing the page."""

        def many(key: str) -> tuple[str, ...]:
            value = query.get(key, ())
            values = [value] if isinstance(value, str) else list(value)
            seen: dict[str, None] = {}
            for v in values:
                if v:
                    seen.setdefault(str(v), None)
            return tuple(seen)

        def one_date(key: str) -> date | None:
            for v in many(key):
                try:
                    return date.fromisoformat(v)
                except ValueError:
                    return None
            return None

        talk = many(P_ROUND)
        return cls(
            parties=many(P_PARTY),
            issues=many(P_ISSUE),
            start=one_date(P_FROM),
            end=one_date(P_TO),
            formats=many(P_FORMAT),
            hide_low=any(v in ("1", "true", "yes") for v in many(P_HIDE_LOW)),
            talk=talk[0] if talk else None,
        )

    def restricted_to(self, parties: Sequence[str], issues: Sequence[str], formats: Sequence[str]) -> Filters:
        """Drop values the data does not know (a stale or hand-edited link)."""
        return replace(
            self,
            parties=tuple(p for p in self.parties if p in parties),
            issues=tuple(i for i in self.issues if i in issues),
            formats=tuple(f for f in self.formats if f in formats),
        )

    @property
    def is_default(self) -> bool:
        return all(getattr(self, f.name) == f.default for f in fields(self))


# ---- applying ----------------------------------------------------------------------------------------
def _in_window(dates: pd.Series, f: Filters) -> pd.Series:
    mask = pd.Series(True, index=dates.index)
    if f.start:
        mask &= dates >= pd.Timestamp(f.start)
    if f.end:
        mask &= dates <= pd.Timestamp(f.end)
    return mask


def _confidence_ok(frame: pd.DataFrame, f: Filters) -> pd.Series:
    if not f.hide_low:
        return pd.Series(True, index=frame.index)
    return frame["confidence"] != "low"


def _isin(column: pd.Series, values: Sequence[str]) -> np.ndarray:
    """column.isin(values), as a table lookup on category codes when the column is categorical.

    On a million rows this is a single array gather instead of a hash per row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        wanted = column.cat.categories.get_indexer(list(values))
        table = np.zeros(len(column.cat.categories) + 1, dtype=bool)  # the extra last slot answers code -1 (missing)
        table[wanted[wanted >= 0]] = True
        return table[column.cat.codes.to_numpy()]
    return column.isin(values).to_numpy()


def _unique(values: pd.Series) -> list[str]:
    # isin with a short list of distinct plain strings is far cheaper than with a long (categorical) series.
    return [str(v) for v in pd.unique(values.astype(str))]


def apply_positions(positions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    mask = _in_window(positions["date"], f) & _confidence_ok(positions, f)
    if f.parties:
        mask &= _isin(positions["actor_id"], f.parties)
    if f.issues:
        mask &= _isin(positions["issue_id"], f.issues)
    return positions[mask]


def apply_reactions(reactions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The party filter selects the reacting actors; reactions carry no issue, so the issue filter is ignored."""
    mask = _in_window(reactions["date"], f) & _confidence_ok(reactions, f)
    if f.parties:
        mask &= _isin(reactions["actor_id"], f.parties)
    return reactions[mask]


def apply_talks(
    talks: pd.DataFrame,
    f: Filters,
    participants: pd.DataFrame | None = None,
    issue_links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A talk matches when it overlaps the window, one of the chosen parties took part in it, and (with an
    issue filter) a position or agreed item on one of the chosen issues is linked to it."""
    mask = _confidence_ok(talks, f)
    if f.start:
        mask &= talks["end_date"] >= pd.Timestamp(f.start)
    if f.end:
        mask &= talks["start_date"] <= pd.Timestamp(f.end)
    if f.formats:
        mask &= _isin(talks["format"], f.formats)
    if f.parties and participants is not None:
        mask &= _talks_in(talks, participants, _isin(participants["actor_id"], f.parties))
    if f.issues and issue_links is not None:
        mask &= _talks_in(talks, issue_links, issue_links["issue_id"].isin(f.issues))
    return talks[mask]


def _talks_in(talks: pd.DataFrame, links: pd.DataFrame, selected: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Which rounds the selected link rows point at.

    Fast path: links carry the row number of their round in the full talks table (`talk_pos`, set at load), so
    marking rounds is an array write, not a string lookup over every round."""
    if "talk_pos" in links.columns and isinstance(talks.index, pd.RangeIndex) and talks.index.start == 0:
        rows = np.zeros(len(talks), dtype=bool)
        positions = links.loc[selected, "talk_pos"].to_numpy()
        rows[positions[(positions >= 0) & (positions < len(talks))]] = True
        return rows
    return talks["talk_id"].isin(_unique(links.loc[selected, "talk_id"]))


def apply_items(items: pd.DataFrame, talk_rows: np.ndarray | None, f: Filters) -> pd.DataFrame:
    """Items of the kept rounds (`talk_rows`: one flag per row of the full talks table; None keeps every round)."""
    mask = _confidence_ok(items, f).to_numpy().copy()
    if talk_rows is not None:
        # Items carry their round's row number (`talk_pos`, set at load): an array lookup, not a string match.
        mask &= talk_rows[items["talk_pos"].to_numpy()]
    if f.issues:
        mask &= _isin(items["issue_id"], f.issues)
    return items[mask]


def sources_cited_by(sources: pd.DataFrame, *frames: pd.DataFrame) -> pd.DataFrame:
    """The sources that the given (filtered) records cite."""
    ids: set[str] = set()
    for frame in frames:
        for cell in frame["source_ids"]:
            ids.update(x.strip() for x in cell.split(";") if x.strip())
    return sources[sources["source_id"].isin(ids)]


# ---- describing ---------------------------------------------------------------------------------------
def describe(f: Filters, names: Mapping[str, str] | None = None, *, issue_applies: bool = True) -> str:
    """The active filters in plain words, for page headers and exported files."""
    names = names or {}

    def listed(values: Sequence[str]) -> str:
        shown = [names.get(v, v) for v in values]
        return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]

    parts = []
    if f.parties:
        parts.append(f"parties: {listed(f.parties)}")
    if f.issues:
        parts.append(f"issues: {listed(f.issues)}" + ("" if issue_applies else " (not applicable here)"))
    if f.start and f.end:
        parts.append(f"from {format_date(f.start)} to {format_date(f.end)}")
    elif f.start:
        parts.append(f"from {format_date(f.start)}")
    elif f.end:
        parts.append(f"up to {format_date(f.end)}")
    if f.formats:
        parts.append(f"formats: {listed(f.formats)}")
    if f.hide_low:
        parts.append("low-confidence records hidden")
    if f.talk:
        parts.append(f"round: {names.get(f.talk, f.talk)}")
    if not parts:
        return "All records (no filters)"
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


DATE_FORMAT = "%d %b %Y"  # one date format across the app: 16 May 2025


def format_date(d: date | pd.Timestamp | None) -> str:
    if d is None or (isinstance(d, float)) or pd.isna(d):
        return "—"
    return pd.Timestamp(d).strftime(DATE_FORMAT).lstrip("0")
