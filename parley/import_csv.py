"""Reading one CSV file of records: its encoding, its shape (header, cells per row, delimiter) and the files that only
look like CSV (a spreadsheet workbook, a JSON bundle saved as .csv), each refused with what to do instead.

Separate from the other readers because a CSV file is also what a zip export holds: both the file-by-file import and
the zip reader come here. `Part`, the incoming records of one table, is defined here and shared by every reader.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from parley import schema as s
from parley.reading import decode_text, read_table_bytes
from parley.validation import Problem, escaped

# The widest table has 15 columns and a record as many fields: far wider input is an attack or a wrong file, and is
# refused before any per-column or per-key work.
MAX_CSV_COLUMNS = 200
SAVE_AS_CSV = (
    "save each sheet as a CSV file named after its table (positions.csv, ...): in Excel, File > Save As > "
    "'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice Calc, File > Save As > 'Text CSV (.csv)' with character "
    "set 'Unicode (UTF-8)' and field delimiter ','; in Google Sheets, File > Download > 'Comma-separated values (.csv)'"
)
# The first bytes of a workbook: an .xlsx/.ods file is a zip, an old .xls an OLE2 compound file.
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


@dataclass(frozen=True)
class Part:
    """The incoming records of one table, with where each came from (file label, row) for problem reports."""

    table: s.Table
    file: str  # the label for problems not tied to a row (missing column, ...)
    frame: pd.DataFrame  # all-text
    where: tuple[tuple[str, int], ...]


def parse_csv(file: str, table: s.Table, raw: bytes) -> tuple[Part | None, list[Problem]]:
    """One CSV file; rows are numbered as a spreadsheet shows them (blank lines and multi-line cells included).

    The csv module checks the structure row by row first (pandas would silently shift a row with an extra cell);
    the frame itself is then read by reading.read_table_bytes, exactly as the app reads the bundled files."""
    if raw.startswith(WORKBOOK_MAGIC):
        return None, [Problem.whole_file(file, f"this file is a spreadsheet workbook, not CSV text: {SAVE_AS_CSV}")]
    text, problems = decode_text(file, raw)
    if text is None:
        return None, problems
    json_saved_as_csv = _json_kind_of(text)
    if json_saved_as_csv is not None:
        return None, [Problem.whole_file(file, json_saved_as_csv)]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        return None, [Problem.whole_file(file, f"not a valid CSV file: {err}")]
    numbered = [(i + 1, fields) for i, fields in enumerate(rows) if fields]
    header_row, header = numbered[0]
    header = [h.strip() for h in header]
    if len(header) > MAX_CSV_COLUMNS:
        rule = (
            f"the header has {len(header):,} columns; the limit is {MAX_CSV_COLUMNS} columns per file "
            f"(the table {table.name} has {len(table.columns)})"
        )
        return None, [Problem.whole_file(file, rule)]
    if len(header) == 1 and ";" in header[0]:
        rule = "the file uses ';' between columns: save it as CSV with commas (in Excel: 'CSV UTF-8 (comma delimited)')"
        return None, [Problem(file, header_row, None, header[0][:80], rule)]
    if not set(header) & set(table.column_names):
        shown = ", ".join(escaped(h)[:40] for h in header[:5]) + (", ..." if len(header) > 5 else "")
        none = (
            f"none of its {len(header)} columns ({shown}) is" if len(header) > 1 else f"its one column ({shown}) is not"
        )
        rule = (
            f"this does not look like a Parley {table.name} table: {none} a column of {table.file}, whose header is: "
            f"{', '.join(table.column_names)}. Start from the {table.file} template (Import page), or name the file "
            "after the table it holds"
        )
        return None, [Problem.whole_file(file, rule)]
    problems = [
        Problem(file, header_row, escaped(name), None, "column appears more than once in the header")
        for name, n in sorted(Counter(header).items())
        if n > 1
    ]
    where = []
    for row, fields in numbered[1:]:
        if len(fields) != len(header):
            rule = (
                f"row has {len(fields)} cells but the header has {len(header)}: look for a missing or extra comma, "
                "or an unquoted comma inside a cell"
            )
            problems.append(Problem(file, row, None, None, rule))
        where.append((file, row))
    if not where and not problems:
        problems.append(Problem.whole_file(file, "no records: the file has a header row but no data rows"))
    if problems:
        return None, problems
    frame, problems = read_table_bytes(file, raw)
    if frame is None:
        return None, problems
    if len(frame) != len(where):  # both parsers skip blank lines; anything else is a file neither should guess at
        return None, [Problem.whole_file(file, "not a valid CSV file: its rows could not be told apart")]
    for name in s.LATER_COLUMNS.get(table.name, ()):
        if name not in frame.columns:
            frame[name] = ""
    return Part(table, file, frame, tuple(where)), []


def _json_kind_of(text: str) -> str | None:
    """What to say about a .csv file that holds JSON (an article bundle saved under the wrong name), else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict):
        return (
            "this file holds JSON, not CSV: an article bundle is imported as a .json file; rename it to end in "
            ".json (for example article.json) and upload it on its own"
        )
    return (
        "this file holds JSON, not CSV: a CSV file has a header row of column names, then one record per row; "
        "JSON records are imported as an article bundle (.json, template on the Import page)"
    )
