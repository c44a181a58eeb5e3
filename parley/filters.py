"""The one filter object for the current view: apply it to tables, describe it in words, carry it in the URL."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

import numpy as np
import pandas as pd

from parley.recent import per_selection, shared_subset
from parley.selection import Rows, as_rows, table_is_sorted

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
URL_KEYS = (P_PARTY, P_ISSUE, P_FROM, P_TO, P_FORMAT, P_HIDE_LOW, P_ROUND)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")
MAX_NOTES = 10  # a hand-made link can repeat a parameter thousands of times; the note lists the first few


@dataclass(frozen=True)
class UrlNote:
    """A value in a link that was not applied as written: ignored, or moved to what the data allows."""

    key: str
    value: str  # exactly as the link had it
    reason: str  # our words only, never text from the link

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.reason})"


def url_notes_markdown(notes: Sequence[UrlNote]) -> str:
    """One line for the page: every quoted key and value inside inline code, so nothing from the link is
    interpreted (Markdown, links, :shortcodes:, LaTeX); backticks and line breaks in them are replaced."""

    def code(text: str) -> str:
        text = re.sub(r"[\x00-\x1f\x7f`]", "'", text)
        return f"`{text[:80] + '…' if len(text) > 80 else text}`"

    shown = [f"{code(f'{n.key}={n.value}')} ({n.reason})" for n in notes[:MAX_NOTES]]
    more = f"; and {len(notes) - MAX_NOTES} more" if len(notes) > MAX_NOTES else ""
    return "Not applied as written in the link: " + "; ".join(shown) + more + "."


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
        return cls.parse_query(query)[0]

    @classmethod
    def parse_query(cls, query: Mapping[str, str | Sequence[str]]) -> tuple[Filters, list[UrlNote]]:
        """The filters a link asks for, and a note for every key or value that could not be read.

        Empty values mean "no filter" (a cleared widget), so they are dropped without a note."""
        notes: list[UrlNote] = []

        def many(key: str) -> tuple[str, ...]:
            value = query.get(key, ())
            values = [value] if isinstance(value, str) else list(value)
            return tuple(dict.fromkeys(str(v) for v in values if v))

        def one(key: str, what: str) -> str | None:
            values = many(key)
            notes.extend(UrlNote(key, v, f"only one {what} is used") for v in values[1:])
            return values[0] if values else None

        def one_date(key: str) -> date | None:
            value = one(key, f"'{key}' date")
            if value is None:
                return None
            try:
                if _ISO_DATE.fullmatch(value):
                    return date.fromisoformat(value)
            except ValueError:
                pass
            notes.append(UrlNote(key, value, "not a date YYYY-MM-DD"))
            return None

        hide_low = False
        for value in many(P_HIDE_LOW):
            if value.lower() in _TRUE:
                hide_low = True
            elif value.lower() not in _FALSE:
                notes.append(UrlNote(P_HIDE_LOW, value, "not 1 or 0"))
        f = cls(
            parties=many(P_PARTY),
            issues=many(P_ISSUE),
            start=one_date(P_FROM),
            end=one_date(P_TO),
            formats=many(P_FORMAT),
            hide_low=hide_low,
            talk=one(P_ROUND, "round"),
        )
        for key in query:
            if key not in URL_KEYS:
                notes.extend(UrlNote(str(key), v, "not a filter of this app") for v in many(key) or ("",))
        return f, notes

    def restricted_to(self, parties: Sequence[str], issues: Sequence[str], formats: Sequence[str]) -> Filters:
        """Drop values the data does not know (a stale or hand-edited link)."""
        return self.checked_against(parties, issues, formats)[0]

    def checked_against(
        self,
        parties: Sequence[str],
        issues: Sequence[str],
        formats: Sequence[str],
        *,
        talks: Sequence[str] | frozenset[str] | None = None,
        span: tuple[date, date] | None = None,
    ) -> tuple[Filters, list[UrlNote]]:
        """These filters as the data can apply them, with a note for every change.

        Values the data does not know are dropped; with `talks`, so is an unknown round. With `span` (the first and
        last record dates), reversed dates are swapped, dates outside the span are moved to its edge, and an edge
        itself becomes "no limit", as the date widget reports it."""
        notes: list[UrlNote] = []

        def known(key: str, values: tuple[str, ...], allowed: Sequence[str], what: str) -> tuple[str, ...]:
            allowed_set = set(allowed)
            notes.extend(UrlNote(key, v, f"unknown {what}") for v in values if v not in allowed_set)
            return tuple(v for v in values if v in allowed_set)

        f = replace(
            self,
            parties=known(P_PARTY, self.parties, parties, "party"),
            issues=known(P_ISSUE, self.issues, issues, "issue"),
            formats=known(P_FORMAT, self.formats, formats, "talk format"),
        )
        if talks is not None and f.talk is not None and f.talk not in talks:
            notes.append(UrlNote(P_ROUND, f.talk, "unknown round"))
            f = replace(f, talk=None)
        if span is None:
            return f, notes
        start, end = f.start, f.end
        start_key, end_key = P_FROM, P_TO  # the keys the link gave them, for the notes
        if start and end and start > end:
            notes.append(UrlNote(P_FROM, start.isoformat(), f"after {P_TO}={end.isoformat()}: the two were swapped"))
            start, end, start_key, end_key = end, start, P_TO, P_FROM
        lo, hi = span
        if start and not lo <= start <= hi:
            edge = lo if start < lo else hi
            where = "before the first" if start < lo else "after the last"
            notes.append(UrlNote(start_key, start.isoformat(), f"{where} record: starts at {format_date(edge)}"))
            start = edge
        if end and not lo <= end <= hi:
            edge = lo if end < lo else hi
            where = "before the first" if end < lo else "after the last"
            notes.append(UrlNote(end_key, end.isoformat(), f"{where} record: ends at {format_date(edge)}"))
            end = edge
        return replace(f, start=None if start == lo else start, end=None if end == hi else end), notes

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


def _rows_in_window(table: pd.DataFrame, column: str, f: Filters) -> np.ndarray:
    """_in_window as flags per row. A loaded table is in date order, so the window is one run of rows found by
    binary search, not two comparisons of every date (a missing date breaks the order: then every date is compared,
    and a missing one is outside any window)."""
    if not (f.start or f.end):
        return np.ones(len(table), dtype=bool)
    if not table_is_sorted(table, column):
        return _in_window(table[column], f).to_numpy(copy=True)
    dates = table[column].to_numpy()
    first = np.searchsorted(dates, pd.Timestamp(f.start).to_datetime64(), side="left") if f.start else 0
    last = np.searchsorted(dates, pd.Timestamp(f.end).to_datetime64(), side="right") if f.end else len(dates)
    mask = np.zeros(len(dates), dtype=bool)
    mask[first:last] = True
    return mask


def positions_mask(positions: pd.DataFrame, f: Filters) -> np.ndarray:
    """One flag per position: inside the window, of a chosen party, on a chosen issue, confident enough."""
    mask = _rows_in_window(positions, "date", f)
    if f.hide_low:
        mask &= _confidence_ok(positions, f).to_numpy()
    if f.parties:
        mask &= _isin(positions["actor_id"], f.parties)
    if f.issues:
        mask &= _isin(positions["issue_id"], f.issues)
    return mask


def reactions_mask(reactions: pd.DataFrame, f: Filters) -> np.ndarray:
    """The party filter selects the reacting actors; reactions carry no issue, so the issue filter is ignored."""
    mask = _rows_in_window(reactions, "date", f)
    if f.hide_low:
        mask &= _confidence_ok(reactions, f).to_numpy()
    if f.parties:
        mask &= _isin(reactions["actor_id"], f.parties)
    return mask


def apply_positions(positions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    return positions[positions_mask(positions, f)]


def apply_reactions(reactions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    return reactions[reactions_mask(reactions, f)]


def apply_talks(
    talks: pd.DataFrame,
    f: Filters,
    participants: pd.DataFrame | None = None,
    issue_links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A talk matches when it overlaps the window, one of the chosen parties took part in it, and (with an
    issue filter) a position or agreed item on one of the chosen issues is linked to it."""
    return talks[talks_mask(talks, f, participants, issue_links)]


def talks_mask(
    talks: pd.DataFrame,
    f: Filters,
    participants: pd.DataFrame | None = None,
    issue_links: pd.DataFrame | None = None,
) -> np.ndarray:
    """apply_talks as one flag per round. On arrays: rounds are hundreds, where each pandas step costs more than
    the comparison itself."""
    mask = _confident(talks, f)
    if f.start:
        mask &= talks["end_date"].to_numpy() >= pd.Timestamp(f.start).to_datetime64()  # a missing date: False
    if f.end:
        mask &= talks["start_date"].to_numpy() <= pd.Timestamp(f.end).to_datetime64()
    if f.formats:
        mask &= _isin(talks["format"], f.formats)
    if f.parties and participants is not None:
        mask &= _talks_in(talks, participants, _isin(participants["actor_id"], f.parties))
    if f.issues and issue_links is not None:
        mask &= _talks_in(talks, issue_links, _isin(issue_links["issue_id"], f.issues))
    return mask


def _window_flags(dates: pd.Series, f: Filters) -> np.ndarray:
    """_in_window on arrays, for small tables (plans): a missing date is outside any window."""
    values = dates.to_numpy()
    mask = np.ones(len(values), dtype=bool)
    if f.start:
        mask &= values >= pd.Timestamp(f.start).to_datetime64()
    if f.end:
        mask &= values <= pd.Timestamp(f.end).to_datetime64()
    return mask


def _confident(frame: pd.DataFrame, f: Filters) -> np.ndarray:
    """_confidence_ok as a new array of flags, one per row."""
    if not f.hide_low:
        return np.ones(len(frame), dtype=bool)
    return (frame["confidence"] != "low").to_numpy(dtype=bool, copy=True)


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
    return items[items_mask(items, talk_rows, f)]


def items_mask(items: pd.DataFrame, talk_rows: np.ndarray | None, f: Filters) -> np.ndarray:
    """apply_items as one flag per item."""
    mask = _confident(items, f)
    if talk_rows is not None:
        # Items carry their round's row number (`talk_pos`, set at load): an array lookup, not a string match.
        mask &= talk_rows[items["talk_pos"].to_numpy()]
    if f.issues:
        mask &= _isin(items["issue_id"], f.issues)
    return mask


def _distinct_cells(records: pd.DataFrame | Rows, column: str) -> list[str]:
    """The distinct values of a column: many records share one list of sources, so each list is split once."""
    rows = as_rows(records)
    if isinstance(rows.table[column].dtype, pd.CategoricalDtype):
        seen = np.bincount(rows.codes(column) + 1, minlength=len(rows.categories(column)) + 1)[1:]
        return [str(v) for v in rows.categories(column)[seen > 0]]
    return [str(v) for v in pd.unique(rows.values(column))]


@per_selection
def sources_cited_by(sources: pd.DataFrame, *records: pd.DataFrame | Rows) -> pd.DataFrame:
    """The sources that the given (filtered) records cite. A shared selection (parley.recent): a filter change
    after which the records still cite the same sources, the usual case, takes no copy of the sources (whose
    list of citing records runs to tens of megabytes at a million positions)."""
    ids: set[str] = set()
    for frame in records:
        for cell in _distinct_cells(frame, "source_ids"):
            ids.update(x.strip() for x in cell.split(";") if x.strip())
    return shared_subset(sources, sources["source_id"].isin(ids).to_numpy())


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


def dates_text(dates: pd.Series, fmt: str = DATE_FORMAT) -> pd.Series:
    """`dates.dt.strftime(fmt)`, worked out once per distinct date: pandas formats dates one by one in Python, and
    a chart's rows share a few hundred days or months at most."""
    codes, distinct = pd.factorize(dates)  # a missing date is -1: it stays missing
    text = np.append(pd.DatetimeIndex(distinct).strftime(fmt).to_numpy(dtype=object), np.nan)
    return pd.Series(text[codes], index=dates.index, name=dates.name, dtype="str")


def format_date(d: date | pd.Timestamp | None) -> str:
    if d is None or (isinstance(d, float)) or pd.isna(d):
        return "—"
    return pd.Timestamp(d).strftime(DATE_FORMAT).lstrip("0")


# ---- peace plans (appended: plans and their provisions are small release tables, a few hundred rows) ----------
def _proposed_by(proposer_ids: pd.Series, parties: Sequence[str]) -> np.ndarray:
    """Whether any of a plan's proposers (a `;` list) is one of the chosen parties."""
    wanted = set(parties)
    return np.array(
        [bool(wanted.intersection(p.strip() for p in str(ids).split(";"))) for ids in proposer_ids], dtype=bool
    )


def plans_mask(plans: pd.DataFrame, f: Filters) -> np.ndarray:
    """One flag per plan: presented inside the window, put forward by a chosen party, confident enough.

    The issue filter is not applied here: it selects provisions (see provisions_mask)."""
    mask = _confident(plans, f) & _window_flags(plans["presented"], f)
    if f.parties:
        mask &= _proposed_by(plans["proposer_ids"], f.parties)
    return mask


def provisions_mask(provisions: pd.DataFrame, f: Filters) -> np.ndarray:
    """One flag per provision: on a chosen issue and confident enough itself; its plan is checked by plans_mask."""
    mask = _confident(provisions, f)
    if f.issues:
        mask &= _isin(provisions["issue_id"], f.issues)
    return mask
