"""Checks on raw CSV frames: per-table rules with pandera, then links between tables.

Every problem names the file, the spreadsheet row (the header is row 1), the column, the value and the rule,
so an analyst can open the file and fix it without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa
import pycountry
from pandera.errors import SchemaErrors

from parley import schema as s

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]*$|^https?://[^\s/$.?#][^\s]*$")
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)


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
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f" (value: {self.value!r})"
        return f"{where}: {self.rule}{shown}"


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


def _element_check(fn, rule: str) -> pa.Check:  # type: ignore[no-untyped-def]
    # Empty cells are handled by the "required" check, so every other check lets them through.
    return pa.Check(lambda v: v == "" or fn(v), element_wise=True, error=rule, name=rule)


def _column_checks(col: s.Column, codes: Mapping[str, frozenset[str]]) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.required:
        checks.append(pa.Check(lambda v: v.strip() != "", element_wise=True, error="required", name="required"))
    if col.kind == s.DATE:
        checks.append(_element_check(_is_date, f"must be a real date YYYY-MM-DD between {EARLIEST} and {LATEST}"))
    elif col.kind == s.BOOL:
        checks.append(_element_check(lambda v: v in ("true", "false"), "must be true or false"))
    elif col.kind == s.INT:
        checks.append(_element_check(lambda v: v.isdigit(), "must be a whole number >= 0"))
    elif col.kind == s.URL:
        checks.append(_element_check(lambda v: bool(URL_RE.match(v)), "must be a URL starting http:// or https://"))
    elif col.kind == s.ISO3:
        valid = iso3_codes()
        checks.append(_element_check(lambda v: v in valid, "must be an ISO 3166-1 alpha-3 country code"))
    elif col.kind == s.CODE:
        allowed = codes.get(col.scheme or "", frozenset())
        label = "issues.csv" if col.scheme == "issue" else f"codebook scheme '{col.scheme}'"
        checks.append(
            _element_check(lambda v, a=allowed: v in a, f"must be a code from {label}: {', '.join(sorted(allowed))}")
        )
    elif col.kind == s.ID:
        checks.append(_element_check(lambda v: v == v.strip() and len(v) <= 120, "id must have no surrounding spaces"))
    return checks


def table_schema(table: s.Table, codes: Mapping[str, frozenset[str]]) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(str, checks=_column_checks(c, codes), unique=(c.kind == s.ID), nullable=False)
        for c in table.columns
    }
    unique = list(table.unique_together) or None
    return pa.DataFrameSchema(columns, strict=True, ordered=False, unique=unique, report_duplicates="all")


def _row(index: object) -> int | None:
    try:
        return int(index) + 2  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _rule_for(check: str, column: str | None, table: s.Table) -> str:
    if check == "column_in_dataframe":
        return "required column is missing"
    if check == "column_in_schema":
        return f"unexpected column; expected columns: {', '.join(table.column_names)}"
    if check == "field_uniqueness":
        return "duplicate id: every id must be unique"
    if check == "multiple_fields_uniqueness":
        return f"duplicate row: ({', '.join(table.unique_together)}) must be unique together"
    if check.startswith("dtype("):
        return "wrong type: every cell must be text"
    return check


def validate_table(table: s.Table, frame: pd.DataFrame, codes: Mapping[str, frozenset[str]]) -> list[Problem]:
    """Per-table rules (columns, required cells, types, codes, unique ids) via pandera, all at once."""
    try:
        table_schema(table, codes).validate(frame, lazy=True)
    except SchemaErrors as err:
        problems = []
        for rec in err.failure_cases.to_dict("records"):
            check = str(rec.get("check"))
            column = rec.get("column")
            value = rec.get("failure_case")
            if check in ("column_in_dataframe", "column_in_schema"):
                column, value = value, None
            elif check == "multiple_fields_uniqueness":
                column = ", ".join(table.unique_together)
            problems.append(
                Problem(
                    file=table.file,
                    row=_row(rec.get("index")),
                    column=None if column is None or pd.isna(column) else str(column),
                    value=None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value),
                    rule=_rule_for(check, column, table),
                )
            )
        return sorted(set(problems), key=lambda p: (p.row or 0, p.column or "", p.rule))
    return []


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


def validate_links(frames: Mapping[str, pd.DataFrame], tables: Iterable[s.Table] = s.TABLES) -> list[Problem]:
    """Rules across tables: every reference resolves, every record cites a source, start is not after end."""
    keys = {t.name: set(frames[t.name][t.key]) for t in tables if t.key and t.name in frames}
    problems: list[Problem] = []
    for table in tables:
        frame = frames.get(table.name)
        if frame is None:
            continue
        for col in table.columns:
            if col.kind not in (s.REF, s.REFS) or col.name not in frame.columns or col.ref not in keys:
                continue
            known = keys[col.ref]
            target = s.TABLES_BY_NAME[col.ref]
            for i, cell in enumerate(frame[col.name]):
                ids = split_ids(cell) if col.kind == s.REFS else ([cell] if cell else [])
                if col.kind == s.REFS and col.required and not ids:
                    problems.append(Problem(table.file, i + 2, col.name, cell, "must cite at least one source id"))
                for ref_id in ids:
                    if ref_id not in known:
                        problems.append(
                            Problem(table.file, i + 2, col.name, ref_id, f"unknown id: not in {target.file}")
                        )
        if {"start_date", "end_date"} <= set(frame.columns):
            for i, (start, end) in enumerate(zip(frame["start_date"], frame["end_date"], strict=True)):
                if _is_date(start) and _is_date(end) and end < start:
                    problems.append(
                        Problem(table.file, i + 2, "end_date", end, f"end date is before start date {start}")
                    )
    return problems
