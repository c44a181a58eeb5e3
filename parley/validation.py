"""Checks on raw CSV frames: per-table rules, then links between tables.

Every problem names the file, the spreadsheet row (the header is row 1), the column, the value and the rule,
so an analyst can open the file and fix it without reading code.

The checks run column by column on Arrow arrays (the storage of pandas' text columns), never cell by cell in
Python: the bundled data, every import and the store go through here on each load, at up to millions of rows.
A rule that depends on a cell's value alone (dates, codes, URLs) is decided once per distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from parley import schema as s

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]*$|^https?://[^\s/$.?#][^\s]*$")
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)
# A broken million-row file needs its first problems and a count, not a million objects.
MAX_PER_RULE = 1000

# Characters refused at the boundary, as RE2 patterns (pyarrow) and their Python twins (to name them in a problem).
# C0 controls, DEL and C1 controls: never shown as themselves, and vl-convert aborts the process on several of them.
_CONTROL = r"\x00-\x1f\x7f-\x{9f}"
# Multi-line prose keeps tab and line feed; a carriage return only as part of a Windows line break (CRLF), because
# spreadsheets save multi-line cells that way, while a lone one makes a terminal overwrite the line it is on.
_CONTROL_PROSE = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}"
# Bidi controls and invisible characters make two ids, codes or URLs that look the same differ (or the reverse).
_INVISIBLE = r"\x{ad}\x{61c}\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}\x{2066}-\x{2069}\x{feff}"
_REFUSED_RE2 = {
    s.ONE_LINE: f"[{_CONTROL}]",
    s.MULTI_LINE: f"[{_CONTROL_PROSE}]|\\r(?:[^\\n]|$)",
    s.SYMBOL: f"[{_CONTROL}{_INVISIBLE}]",
}


def _py(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\x\{([0-9a-f]+)\}", lambda m: f"\\U{int(m.group(1), 16):08x}", pattern))


_REFUSED_PY = {kind: _py(pattern) for kind, pattern in _REFUSED_RE2.items()}
_INVISIBLE_PY = _py(f"[{_INVISIBLE}]")
_CONTROL_NAMES = {
    0x00: "null",
    0x07: "bell",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "line feed",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
}
_WHERE = {
    s.ONE_LINE: "this column holds one line of text",
    s.MULTI_LINE: "only tab and line breaks are allowed in this column",
    s.SYMBOL: "ids, codes, dates and URLs must be plain visible text",
}


def escaped(text: str) -> str:
    """The text with every character that would not show as itself (controls, bidi, invisible) written as an escape
    like Python's repr (`\\x0b`, `\\u200e`), so a page or terminal shows it and never acts on it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row: header is row 1, first record is row 2
    column: str | None
    value: str | None
    rule: str

    @classmethod
    def whole_file(cls, file: str, rule: str) -> Problem:
        """A problem with the file itself (missing, empty, unreadable), not with one cell."""
        return cls(file, None, None, None, rule)

    def __str__(self) -> str:
        # Every part can come from a file (names, headers, cells): escaped, so printing it never runs a control code.
        where = escaped(self.file)
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{escaped(self.column)}'"
        shown = "" if self.value is None else f" (value: '{escaped(self.value)}')"
        return f"{where}: {escaped(self.rule)}{shown}"


class DataValidationError(Exception):
    """Raised when data files break the schema; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} data problem(s): {head}{more}")


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries)


def _is_date(v: str) -> bool:
    if not DATE_RE.match(v):
        return False
    try:
        d = date.fromisoformat(v)
    except ValueError:
        return False
    return EARLIEST <= d <= LATEST


def _row(index: object) -> int | None:
    try:
        return int(index) + 2  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


# -- column helpers ---------------------------------------------------------------------------------------------


def _text(series: pd.Series) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The column as an Arrow string array (a cell that is not text becomes null), with the positions of cells that
    are not text and of cells with no value at all."""
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None
    if array is not None and isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array is not None and (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        missing = np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))
        return array, np.empty(0, dtype=np.int64), missing
    if array is not None and pa.types.is_null(array.type):
        return pa.nulls(len(series), pa.large_string()), np.empty(0, dtype=np.int64), np.arange(len(series))
    values = series.to_numpy(dtype=object)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    missing = np.fromiter((not isinstance(v, str) and bool(pd.isna(v)) for v in values), bool, count=len(values))
    array = pa.array([v if ok else None for v, ok in zip(values, is_text, strict=True)], type=pa.large_string())
    return array, np.flatnonzero(~is_text & ~missing), np.flatnonzero(missing)


def _utf8(text: pa.Array) -> np.ndarray:
    """The column's cells back to back, as the UTF-8 bytes Arrow already holds (no copy)."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if pa.types.is_large_string(text.type) else np.int32)
    data = text.buffers()[2]
    if data is None or len(text) == 0:
        return np.empty(0, dtype=np.uint8)
    start, end = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
    return np.frombuffer(data, dtype=np.uint8)[start:end]


def _may_hold_refused(text: pa.Array, characters: str) -> bool:
    """False when no cell can hold a refused character, decided on the raw UTF-8 bytes in cache-sized slices.

    Scanning bytes is an order of magnitude faster than running a regex per cell, and almost every column is clean.
    It may say True for a clean column (a sequence across two cells, a carriage return in CRLF prose); the exact
    per-cell check then decides."""
    buf = _utf8(text)
    step = 1 << 18
    for i in range(0, len(buf), step):
        c = buf[i : i + step + 2]  # overlap: a refused character is at most 3 bytes long
        lowest, highest = c.min(), c.max()
        if lowest >= 0x20 and highest < 0x7F:  # printable ASCII only: ids, codes, dates, most URLs
            continue
        if lowest < 0x20 and (characters != s.MULTI_LINE or ((c < 0x20) & ((c - 0x09) > 1)).any()):
            return True  # (c - 9) > 1 is every byte but tab and line feed, as unsigned bytes wrap around
        if highest < 0x7F:
            continue
        if (c == 0x7F).any():
            return True
        if highest < 0xC2:
            continue
        lead, second = c[:-1], c[1:]
        if ((lead == 0xC2) & (second < 0xA0)).any():  # C1 controls are U+0080..U+009F: C2 80..C2 9F
            return True
        if characters != s.SYMBOL or len(c) < 3:
            continue
        if ((lead == 0xC2) & (second == 0xAD)).any() or ((lead == 0xD8) & (second == 0x9C)).any():
            return True
        first, mid, last = c[:-2], c[1:-1], c[2:]
        e280 = (mid == 0x80) & (((last - 0x8B) <= 4) | ((last - 0xAA) <= 4))  # U+200B..U+200F, U+202A..U+202E
        e281 = (mid == 0x81) & ((last == 0xA0) | ((last - 0xA6) <= 3))  # U+2060, U+2066..U+2069
        if ((first == 0xE2) & (e280 | e281)).any() or ((first == 0xEF) & (mid == 0xBB) & (last == 0xBF)).any():
            return True
    return False


def _edge_may_be_space(text: pa.Array) -> np.ndarray:
    """Non-empty cells whose first or last byte may belong to whitespace (ASCII space or control, or any non-ASCII
    byte), found from the offsets alone; the exact check then runs on these few cells only."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if pa.types.is_large_string(text.type) else np.int32)
    offsets = offsets[text.offset : text.offset + len(text) + 1].astype(np.int64, copy=False)
    buf = np.frombuffer(text.buffers()[2], dtype=np.uint8) if text.buffers()[2] is not None else np.empty(0, np.uint8)
    filled = offsets[1:] > offsets[:-1]
    first = buf[offsets[:-1][filled]]
    last = buf[offsets[1:][filled] - 1]
    edge = np.zeros(len(text), dtype=bool)
    edge[filled] = (first <= 0x20) | (first >= 0x80) | (last <= 0x20) | (last >= 0x80)
    return edge


def _true(mask: pa.Array) -> np.ndarray:
    """Positions where a boolean Arrow array is true (null counts as false)."""
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


def _failing_values(text: pa.Array, ok: Callable[[str], bool]) -> np.ndarray:
    """Positions of non-empty cells whose value breaks `ok`, deciding each distinct value once."""
    bad = [v for v in pc.unique(text).to_pylist() if v is not None and v != "" and not ok(v)]
    if not bad:
        return np.empty(0, dtype=np.int64)
    return _true(pc.is_in(text, value_set=pa.array(bad, type=text.type)))


def _values(text: pa.Array, positions: np.ndarray) -> list[str | None]:
    return text.take(pa.array(positions, type=pa.int64())).to_pylist()


def _cells(
    file: str,
    index: pd.Index,
    column: str,
    positions: np.ndarray,
    values: list[str | None],
    rule: str | Callable[[str], str],
    *,
    more: str | None = None,
) -> list[Problem]:
    """One problem per failing cell, the first MAX_PER_RULE of them, then one problem counting the rest."""
    shown = positions[:MAX_PER_RULE]
    out = [
        Problem(
            file,
            _row(index[p]),
            column,
            None if v is None else escaped(v),
            rule if isinstance(rule, str) else rule(v or ""),
        )
        for p, v in zip(shown, values[: len(shown)], strict=True)
    ]
    rest = len(positions) - len(shown)
    if rest > 0:
        summary = more or (rule if isinstance(rule, str) else "the same rule")
        out.append(Problem(file, None, column, None, f"{rest:,} more cells break this rule: {summary}"))
    return out


def _char_name(c: str) -> str:
    code = ord(c)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(c, "").lower()
    label = f"U+{code:04X}"
    return f"{label} ({name})" if name else label


def text_rule(value: str, characters: str) -> str:
    """What is wrong with a cell holding refused characters: which ones, by code point and name, and what to do."""
    found = list(dict.fromkeys(m.group()[0] for m in _REFUSED_PY[characters].finditer(value)))
    invisible = any(_INVISIBLE_PY.match(c) for c in found)
    kind = "an invisible or text-direction character" if invisible else "a control character"
    if len(found) > 1:
        kind = "characters that are not allowed:"
    names = ", ".join(_char_name(c) for c in found[:3]) + (", ..." if len(found) > 3 else "")
    fix = "remove it" if len(found) == 1 else "remove them"
    return f"contains {kind} {names}: {fix} ({_WHERE[characters]})"


# -- per table --------------------------------------------------------------------------------------------------


DATE_RULE = f"must be a real date YYYY-MM-DD between {EARLIEST} and {LATEST}"
# Dates as spreadsheets show them: 25/06/2025, 6/25/2025, 25.06.2025.
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def date_rule(value: str) -> str:
    """The date rule, with the exact fix when the value is a date written day-first or month-first.

    Such dates are refused, not read: a record's date is evidence, and 03/06/2025 is 3 June in one spreadsheet and
    6 March in another. When only one reading is a real date, the rule gives it to copy."""
    found = _NUMERIC_DATE.match(value.strip())
    if found is None:
        return DATE_RULE
    first, second, year = (int(g) for g in found.groups())
    readings: dict[date, str] = {}
    for day, month, order in ((first, second, "day/month/year"), (second, first, "month/day/year")):
        try:
            readings.setdefault(date(year, month, day), order)
        except ValueError:
            continue
    tip = "in a spreadsheet, format the column as yyyy-mm-dd before saving it as CSV"
    if len(readings) == 1:
        ((when, order),) = readings.items()
        return f"{DATE_RULE}: this date is written {order}; write it as {when.isoformat()} ({tip})"
    if len(readings) == 2:
        (a, _), (b, _) = readings.items()
        return (
            f"{DATE_RULE}: this date is written with the day and month in an unknown order; write {a.isoformat()} "
            f"if it is day/month/year or {b.isoformat()} if it is month/day/year ({tip})"
        )
    return DATE_RULE


def _element_rule(
    col: s.Column, codes: Mapping[str, frozenset[str]]
) -> tuple[Callable[[str], bool], str | Callable[[str], str]] | None:
    if col.kind == s.DATE:
        return _is_date, date_rule
    if col.kind == s.BOOL:
        return (lambda v: v in ("true", "false")), "must be true or false"
    if col.kind == s.INT:
        return str.isdigit, "must be a whole number >= 0"
    if col.kind == s.URL:
        return (lambda v: bool(URL_RE.match(v))), "must be a URL starting http:// or https://"
    if col.kind == s.ISO3:
        valid = iso3_codes()
        return valid.__contains__, "must be an ISO 3166-1 alpha-3 country code"
    if col.kind == s.CODE:
        allowed = codes.get(col.scheme or "", frozenset())
        label = "issues.csv" if col.scheme == "issue" else f"codebook scheme '{col.scheme}'"
        return allowed.__contains__, f"must be a code from {label}: {', '.join(sorted(allowed))}"
    return None


def _column_problems(
    file: str, index: pd.Index, col: s.Column, series: pd.Series, codes: Mapping[str, frozenset[str]]
) -> list[Problem]:
    """The rules one cell decides on its own (type, required, characters, codes and dates, id spaces): run on any
    subset of a column's rows, they find exactly that subset's share of the whole column's problems."""
    text, not_text, missing = _text(series)
    name = col.name
    problems: list[Problem] = []
    if len(not_text):
        shown = [escaped(str(v)) for v in series.iloc[not_text[:MAX_PER_RULE]]]
        problems += _cells(file, index, name, not_text, shown, "wrong type: every cell must be text")
    if len(missing):
        problems += _cells(
            file, index, name, missing, [None] * min(len(missing), MAX_PER_RULE), "no value: every cell must be text"
        )
    if col.required:
        found = _true(pc.or_(pc.equal(text, ""), pc.utf8_is_space(text)))
        problems += _cells(file, index, name, found, _values(text, found[:MAX_PER_RULE]), "required")
    if _may_hold_refused(text, col.characters):
        refused = _true(pc.match_substring_regex(text, _REFUSED_RE2[col.characters]))
        problems += _cells(
            file,
            index,
            name,
            refused,
            _values(text, refused[:MAX_PER_RULE]),
            lambda v: text_rule(v, col.characters),
            more="holds characters that are not allowed",
        )
    element = _element_rule(col, codes)
    if element is not None:
        ok, rule = element
        found = _failing_values(text, ok)
        more = DATE_RULE if col.kind == s.DATE else None
        problems += _cells(file, index, name, found, _values(text, found[:MAX_PER_RULE]), rule, more=more)
    if col.kind == s.ID:
        # Empty cells pass here ("required" reports them); a blank id of spaces fails both, as before.
        edged = np.flatnonzero(_edge_may_be_space(text))
        spaced = edged[_true(pc.not_equal(pc.utf8_trim_whitespace(text.take(edged)), text.take(edged)))]
        found = np.union1d(spaced, _true(pc.greater(pc.utf8_length(text), 120)))
        problems += _cells(
            file, index, name, found, _values(text, found[:MAX_PER_RULE]), "id must have no surrounding spaces"
        )
    return problems


def _duplicate_ids(file: str, index: pd.Index, col: s.Column, series: pd.Series) -> list[Problem]:
    """Ids that occur more than once in the whole column (a rule over every row, never a subset)."""
    if isinstance(series.array, pd.arrays.ArrowStringArray):
        # Equal ids are neighbours once sorted: pandas would hash a Python string per row, and a hash table of
        # Arrow's would copy every id, where the sort holds one row number per id.
        text = _text(series)[0]
        order = pc.sort_indices(text).to_numpy()
        same = np.zeros(max(len(order) - 1, 0), dtype=bool)
        step = 1 << 16  # the sorted ids a slice at a time, not a sorted copy of the column
        for start in range(0, len(same), step):
            ordered = text.take(pa.array(order[start : start + step + 1]))
            equal = pc.fill_null(pc.equal(ordered[1:], ordered[:-1]), False)
            same[start : start + step] = equal.to_numpy(zero_copy_only=False)
        repeated = np.zeros(len(order), dtype=bool)
        repeated[1:] |= same
        repeated[:-1] |= same
        if text.null_count > 1:  # missing cells (sorted last) repeat one another, as in pandas
            repeated[len(order) - text.null_count :] = True
        dup = np.sort(order[repeated])
        del order, repeated, same
    else:
        dup = np.flatnonzero(series.duplicated(keep=False).to_numpy())
    values = _values(_text(series.iloc[dup[:MAX_PER_RULE]])[0], np.arange(min(len(dup), MAX_PER_RULE)))
    return _cells(file, index, col.name, dup, values, "duplicate id: every id must be unique")


def _duplicate_rows(table: s.Table, frame: pd.DataFrame) -> list[Problem]:
    """Rows that repeat the (unique together) key: one problem per row and key column, as pandera reported them."""
    columns = list(table.unique_together)
    codes = np.zeros(len(frame), dtype=np.int64)
    for column in columns:
        encoded = pc.dictionary_encode(_text(frame[column])[0], null_encoding="encode")
        codes = codes * (len(encoded.dictionary) + 1) + encoded.indices.to_numpy(zero_copy_only=False)
    dup = np.flatnonzero(pd.Series(codes).duplicated(keep=False).to_numpy())
    rule = f"duplicate row: ({', '.join(columns)}) must be unique together"
    label = ", ".join(columns)
    shown = dup[:MAX_PER_RULE]
    problems = [
        Problem(table.file, _row(frame.index[p]), label, escaped(str(frame[c].iloc[p])), rule)
        for p in shown
        for c in columns
    ]
    if len(dup) > len(shown):
        problems.append(Problem(table.file, None, label, None, f"{len(dup) - len(shown):,} more rows repeat the key"))
    return problems


def _rows(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """frame.iloc[rows], taken from each Arrow chunk of a text column on its own: Arrow's take on a chunked column
    (the bundled rows, then the imported ones) first joins the chunks, a copy of the whole column."""
    out = {}
    for name in frame.columns:
        series = frame[name]
        if not isinstance(series.array, pd.arrays.ArrowStringArray):
            out[name] = series.iloc[rows]
            continue
        values = pa.array(series)
        chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
        ends = np.cumsum([len(chunk) for chunk in chunks])
        at = np.searchsorted(ends, rows, side="right")  # the chunk of each row
        parts = [
            chunk.take(pa.array(rows[at == i] - (ends[i] - len(chunk)), type=pa.int64()))
            for i, chunk in enumerate(chunks)
            if (at == i).any()
        ]
        taken = pa.chunked_array(parts, type=chunks[0].type) if parts else pa.chunked_array([], type=chunks[0].type)
        out[name] = pd.Series(pd.arrays.ArrowStringArray(taken, dtype=series.dtype), index=frame.index[rows])
    return pd.DataFrame(out, index=frame.index[rows])


def validate_table(
    table: s.Table, frame: pd.DataFrame, codes: Mapping[str, frozenset[str]], rows: np.ndarray | None = None
) -> list[Problem]:
    """Per-table rules (columns, required cells, types, characters, codes, unique ids), every problem at once.

    `rows` (positions, ascending): only these rows can break a cell's own rules, the others being known to pass
    them (an unchanged bundled row that passed before), so those rules run on these rows alone; the rules over the
    whole table (columns, duplicate ids and keys) still see every row. None: every row is checked."""
    problems: list[Problem] = []
    names = table.column_names
    present = set(frame.columns)
    problems += [Problem(table.file, None, c, None, "required column is missing") for c in names if c not in present]
    expected = f"unexpected column; expected columns: {', '.join(names)}"
    problems += [Problem(table.file, None, escaped(str(c)), None, expected) for c in frame.columns if c not in names]
    checked = frame if rows is None else _rows(frame, rows)
    for col in table.columns:
        if col.name in present:
            problems += _column_problems(table.file, checked.index, col, checked[col.name], codes)
            # Each check's working data is gone by the next: its memory back to the system, not kept beside the table.
            pa.default_memory_pool().release_unused()
            if col.kind == s.ID:
                problems += _duplicate_ids(table.file, frame.index, col, frame[col.name])
                pa.default_memory_pool().release_unused()
    if table.unique_together and set(table.unique_together) <= present:
        problems += _duplicate_rows(table, frame)
    return sorted(set(problems), key=lambda p: (p.row or 0, p.column or "", p.rule, p.value or ""))


def split_ids(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(s.LIST_SEP) if part.strip()]


def codes_from(codebook: pd.DataFrame, issues: pd.DataFrame) -> dict[str, frozenset[str]]:
    codes: dict[str, frozenset[str]] = {}
    if {"scheme", "code"} <= set(codebook.columns):
        for scheme, group in codebook.groupby("scheme"):
            codes[str(scheme)] = frozenset(group["code"])
    if "issue_id" in issues.columns:
        codes["issue"] = frozenset(issues["issue_id"])
    return codes


# -- across tables ----------------------------------------------------------------------------------------------


@dataclass
class _Probe:
    """The ids one REF or REFS column cites, ready to be looked up in the referenced table's keys."""

    table: s.Table
    col: s.Column
    text: pa.Array  # the cells
    ids: pa.Array  # REF: the cells; REFS: every non-empty id of every cell, in order
    parent: np.ndarray | None  # REFS: the cell position of each id
    uncited: np.ndarray  # REFS: positions of cells that cite no id at all


def _probe(table: s.Table, col: s.Column, text: pa.Array) -> _Probe:
    if col.kind == s.REF:
        return _Probe(table, col, text, text, None, np.empty(0, dtype=np.int64))
    lists = pc.split_pattern(text, s.LIST_SEP)
    parts = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    given = pc.fill_null(pc.not_equal(parts, ""), False).to_numpy(zero_copy_only=False)
    uncited = np.flatnonzero(np.bincount(parent[given], minlength=len(text)) == 0)
    return _Probe(table, col, text, parts.filter(pa.array(given)), parent[given], uncited)


def _ref_problems(probe: _Probe, known: np.ndarray) -> list[Problem]:
    """Problems of one probed column, in row order (within a row: no id cited first, then unknown ids in order)."""
    file, col = probe.table.file, probe.col
    rule = f"unknown id: not in {s.TABLES_BY_NAME[col.ref or ''].file}"
    if probe.parent is None:
        empty = pc.fill_null(pc.equal(probe.text, ""), True).to_numpy(zero_copy_only=False)
        unknown = np.flatnonzero(~known & ~empty)
        rows = unknown
    else:
        unknown = np.flatnonzero(~known)
        rows = probe.parent[unknown]
    found: list[tuple[int, int, Problem]] = []
    if col.required and len(probe.uncited):
        cited = "must cite at least one source id"
        shown = probe.uncited[:MAX_PER_RULE]
        found += [
            (int(p), -1, Problem(file, int(p) + 2, col.name, v, cited))
            for p, v in zip(shown, _values(probe.text, shown), strict=True)
        ]
        if len(probe.uncited) > len(shown):
            more = f"{len(probe.uncited) - len(shown):,} more cells break this rule: {cited}"
            found.append((len(probe.text), 0, Problem(file, None, col.name, None, more)))
    shown = unknown[:MAX_PER_RULE]
    found += [
        (int(row), int(i), Problem(file, int(row) + 2, col.name, v, rule))
        for i, row, v in zip(shown, rows[: len(shown)], _values(probe.ids, shown), strict=True)
    ]
    if len(unknown) > len(shown):
        more = f"{len(unknown) - len(shown):,} more ids break this rule: {rule}"
        found.append((len(probe.text), 0, Problem(file, None, col.name, None, more)))
    return [p for _, _, p in sorted(found, key=lambda f: (f[0], f[1]))]


def _lookup(probes: list[_Probe], keys: Mapping[str, pa.Array]) -> list[np.ndarray]:
    """For each probe, whether each of its ids is a known key. The probes citing one table are looked up together,
    so the hash set of that table's keys is built once, not once per citing column."""
    known: list[np.ndarray] = [np.empty(0, dtype=bool)] * len(probes)
    for ref in dict.fromkeys(p.col.ref for p in probes):
        group = [i for i, p in enumerate(probes) if p.col.ref == ref]
        joined = pa.concat_arrays([probes[i].ids.cast(pa.large_string()) for i in group])
        found = pc.fill_null(pc.is_in(joined, value_set=keys[ref or ""]), False).to_numpy(zero_copy_only=False)
        at = 0
        for i in group:
            known[i] = found[at : at + len(probes[i].ids)]
            at += len(probes[i].ids)
    return known


def _column_links(table: s.Table, col: s.Column, text: pa.Array, keys: Mapping[str, pa.Array]) -> list[Problem]:
    """The link problems of one REF or REFS column, one column at a time so only its own working data is held.

    Whether a cell breaks a link rule depends on its value alone, so the rules run first on the column's distinct
    values (a few hundred where the rows are a million); only a column with a problem is probed row by row, which
    gives the problems their rows and order."""
    distinct = pc.dictionary_encode(text, null_encoding="encode").dictionary
    sample = _probe(table, col, distinct)
    if not _ref_problems(sample, _lookup([sample], keys)[0]):
        return []
    probe = _probe(table, col, text)
    return _ref_problems(probe, _lookup([probe], keys)[0])


def validate_links(frames: Mapping[str, pd.DataFrame], tables: Iterable[s.Table] = s.TABLES) -> list[Problem]:
    """Rules across tables: every reference resolves, every record cites a source, start is not after end."""
    tables = tuple(tables)
    keys = {t.name: _text(frames[t.name][t.key])[0] for t in tables if t.key and t.name in frames}
    problems: list[Problem] = []
    for table in tables:
        frame = frames.get(table.name)
        if frame is None:
            continue
        for col in table.columns:
            if (
                col.kind in (s.REF, s.REFS)
                and col.name in frame.columns
                and col.ref in keys
                and col.ref != s.ISSUE_OPTIONS.name  # validate_options also checks the option's issue
            ):
                problems += _column_links(table, col, _text(frame[col.name])[0], keys)
        if {"start_date", "end_date"} <= set(frame.columns):
            start, end = _text(frame["start_date"])[0], _text(frame["end_date"])[0]
            dated = np.ones(len(frame), dtype=bool)
            for text in (start, end):
                dated[_failing_values(text, _is_date)] = False
                dated &= pc.fill_null(pc.not_equal(text, ""), False).to_numpy(zero_copy_only=False)
            found = np.flatnonzero(dated & pc.fill_null(pc.less(end, start), False).to_numpy(zero_copy_only=False))
            shown = found[:MAX_PER_RULE]
            problems += [
                Problem(table.file, int(p) + 2, "end_date", e, f"end date is before start date {b}")
                for p, e, b in zip(shown, _values(end, shown), _values(start, shown), strict=True)
            ]
            if len(found) > len(shown):
                more = f"{len(found) - len(shown):,} more rows have an end date before their start date"
                problems.append(Problem(table.file, None, "end_date", None, more))
    if s.POSITIONS in tables or s.PLAN_PROVISIONS in tables:
        problems += validate_options(frames)
    return problems


def validate_options(frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Every option a position or a plan provision cites is on the issue scales, and on the scale of the record's
    own issue: an option places a statement on one issue's scale, so one from another issue would compare unlike
    things."""
    options = frames.get(s.ISSUE_OPTIONS.name)
    if options is None or not {"option_id", "issue_id"} <= set(options.columns):
        return []
    problems: list[Problem] = []
    for table, noun in ((s.POSITIONS, "position"), (s.PLAN_PROVISIONS, "provision")):
        frame = frames.get(table.name)
        if frame is not None and {"option_id", "issue_id"} <= set(frame.columns):
            problems += _options_of(table.file, frame, options, noun)
    return problems


def _options_of(file: str, frame: pd.DataFrame, options: pd.DataFrame, noun: str) -> list[Problem]:
    cited, issue = _text(frame["option_id"])[0], _text(frame["issue_id"])[0]
    where = pc.index_in(cited, value_set=_text(options["option_id"])[0]).fill_null(-1).to_numpy(zero_copy_only=False)
    given = pc.fill_null(pc.not_equal(cited, ""), False).to_numpy(zero_copy_only=False)
    known = where >= 0
    unknown = np.flatnonzero(given & ~known)
    problems = _cells(
        file,
        pd.RangeIndex(len(frame)),
        "option_id",
        unknown,
        _values(cited, unknown[:MAX_PER_RULE]),
        f"unknown option: not in {s.ISSUE_OPTIONS.file}",
    )
    rows = np.flatnonzero(given & known)
    scales = _text(options["issue_id"])[0].cast(pa.large_string())
    # Compared per pair of (own issue, option) values, the row's own issue as a dictionary code: taking the issue
    # text of every row twice would hold two more copies of a column.
    encoded = pc.dictionary_encode(issue)
    own_issues = encoded.dictionary.cast(pa.large_string())
    differs = np.zeros((len(own_issues) + 1, len(scales)), dtype=bool)  # the last row: a missing own issue
    for d in range(len(own_issues)):
        differs[d] = pc.fill_null(pc.not_equal(scales, own_issues[d]), False).to_numpy(zero_copy_only=False)
    if scales.null_count:
        differs[:, scales.is_null().to_numpy(zero_copy_only=False)] = False
    own_codes = pc.fill_null(encoded.indices, len(own_issues)).to_numpy(zero_copy_only=False)
    mismatched = np.flatnonzero(differs[own_codes[rows], where[rows]])
    del encoded, own_codes
    elsewhere = rows[mismatched]
    scale = scales.take(pa.array(where[elsewhere[:MAX_PER_RULE]].astype(np.int64)))
    own = issue.take(pa.array(elsewhere[:MAX_PER_RULE], type=pa.int64())).cast(pa.large_string())
    shown = np.arange(len(scale))
    problems += [
        Problem(
            file,
            int(p) + 2,
            "option_id",
            escaped(v or ""),
            f"option {escaped(v or '')} is on the scale of {escaped(on or '')}, not {escaped(mine or '')}: "
            f"give an option of the {noun}'s own issue, or leave it empty",
        )
        for p, v, on, mine in zip(
            elsewhere[:MAX_PER_RULE],
            _values(cited, elsewhere[:MAX_PER_RULE]),
            _values(scale, shown),
            _values(own, shown),
            strict=True,
        )
    ]
    if len(elsewhere) > MAX_PER_RULE:
        more = f"{len(elsewhere) - MAX_PER_RULE:,} more options are on another issue's scale"
        problems.append(Problem(file, None, "option_id", None, more))
    return sorted(problems, key=lambda p: (p.row is None, p.row or 0))


# What to put in a column instead of an actor of the wrong kind.
_TYPE_FIX = {
    ("talk_participants", "actor_id"): "name the state, organisation or bloc here and the person who led its "
    "delegation in delegation_head_id",
    ("talk_participants", "delegation_head_id"): "give the person who led the delegation, or leave it empty",
    ("plans", "proposer_ids"): "name the state, organisation or bloc that proposed it",
}


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def validate_actor_types(frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Every actor a column names is of a kind the column allows (schema.ACTOR_TYPES): a party is a state,
    organisation or bloc, a speaker is a person. Ids not in actors.csv are left to validate_links."""
    actors = frames.get(s.ACTORS.name)
    if actors is None or not {"actor_id", "actor_type", "name"} <= set(actors.columns):
        return []
    keys = _text(actors["actor_id"])[0].cast(pa.large_string())
    types, names = _text(actors["actor_type"])[0], _text(actors["name"])[0]
    problems: list[Problem] = []
    for (name, column), allowed in s.ACTOR_TYPES.items():
        frame = frames.get(name)
        if frame is None or column not in frame.columns:
            continue
        table = s.TABLES_BY_NAME[name]
        probe = _probe(table, table.column(column), _text(frame[column])[0])
        at = pc.index_in(probe.ids.cast(pa.large_string()), value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False)
        known = np.flatnonzero(at >= 0)
        kinds = types.take(pa.array(at[known], type=pa.int64()))
        wrong = known[_true(pc.invert(pc.is_in(kinds, value_set=pa.array(allowed, type=kinds.type))))]
        rows = wrong if probe.parent is None else probe.parent[wrong]
        if allowed == s.PERSON_TYPES:
            must = f"{column} must name a person"
            fix = _TYPE_FIX.get((name, column), "give the person who spoke, or leave it empty")
        else:
            must = f"{column} must name a party: a state, organisation or bloc"
            fix = _TYPE_FIX.get((name, column), "name the state or organisation here and the person in speaker_id")
        shown = wrong[:MAX_PER_RULE]
        for row, actor, found in zip(rows[: len(shown)], _values(probe.ids, shown), at[shown], strict=True):
            kind, label = types[int(found)].as_py(), names[int(found)].as_py()
            rule = f"{must}; {escaped(actor or '')} is {_a(kind or '')} ({escaped(label or '')}): {fix}"
            problems.append(Problem(table.file, int(row) + 2, column, actor, rule))
        if len(wrong) > len(shown):
            more = f"{len(wrong) - len(shown):,} more cells name an actor of the wrong kind: {must}"
            problems.append(Problem(table.file, None, column, None, more))
    return problems


def validate_scales(frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Each issue's options are ranked 1 to n without gaps, so rank 1 is one end of every scale and n the other;
    labels differ within an issue and each option id starts with its issue id.

    Runs on frames that passed the per-table rules: ranks are whole numbers, unique within an issue."""
    frame = frames.get(s.ISSUE_OPTIONS.name)
    if frame is None or not {"issue_id", "rank"} <= set(frame.columns):
        return []
    issues = frame["issue_id"].astype(str)
    ranks = pd.to_numeric(frame["rank"], errors="coerce")
    n_options = issues.map(issues.value_counts())
    # Distinct whole-number ranks are exactly 1..n when none lies outside 1..n: the rows outside are the ones to fix.
    outside = np.flatnonzero(((ranks < 1) | (ranks > n_options)).to_numpy(dtype=bool))
    file = s.ISSUE_OPTIONS.file
    problems = [
        Problem(
            file,
            _row(frame.index[p]),
            "rank",
            str(frame["rank"].iloc[p]),
            f"ranks must run from 1 to {n_options.iloc[p]} without gaps: issue '{escaped(issues.iloc[p])}' has "
            f"{n_options.iloc[p]} option(s)",
        )
        for p in outside[:MAX_PER_RULE]
    ]
    if len(outside) > MAX_PER_RULE:
        more = f"{len(outside) - MAX_PER_RULE:,} more ranks break this rule: ranks run from 1 to n without gaps"
        problems.append(Problem(file, None, "rank", None, more))
    if "label" in frame.columns:
        repeated = np.flatnonzero(frame.duplicated(["issue_id", "label"], keep=False).to_numpy(dtype=bool))
        labels = frame["label"].astype(str).iloc[repeated[:MAX_PER_RULE]].tolist()
        rule = "duplicate label: the options of one issue must have different labels"
        problems += _cells(file, frame.index, "label", repeated, labels, rule)
    if "option_id" in frame.columns:
        # Wherever an option id is cited, its issue can be read from the id alone.
        ids = frame["option_id"].astype(str)
        parts = ids.str.partition(".")
        prefixed = parts[0].eq(issues) & parts[1].eq(".") & parts[2].ne("")
        found = np.flatnonzero(~prefixed.to_numpy(dtype=bool))
        rule = "option id must be its issue id, a dot and a name (e.g. territory.freeze_line)"
        problems += _cells(file, frame.index, "option_id", found, ids.iloc[found[:MAX_PER_RULE]].tolist(), rule)
    return problems
