"""Records an analyst adds: parse, validate against everything already there, preview, then write one batch.

Accepted input (see data/README.md, "Importing new records"):
- CSV files named after their table (`positions.csv`, `talks.csv`, ...), one or several at once;
- one JSON article bundle: a source with the talks, participants, agreed items, positions and reactions read in it;
- one Parley export zip (`export_all`), so an export can be loaded into another store.

Nothing is written until `commit`; a preview with any problem cannot be committed. Problems name the file, the row
(spreadsheet row for CSV, header = row 1; the record's number in its list for JSON), the column, the value and the rule.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path, PurePath, PurePosixPath

import pandas as pd

from parley import schema as s
from parley.loading import (
    BUNDLED,
    DEFAULT_DATA_DIR,
    IMPORTED,
    Dataset,
    decode_text,
    read_raw_tables,
    read_table_bytes,
    read_version,
    validate_frames,
)
from parley.store import Batch, Layers, Store, layered
from parley.validation import Problem, codes_from, escaped, validate_actor_types, validate_links, validate_table

MAX_FILE_BYTES = 5 * 1024 * 1024  # per uploaded file, and per file inside a zip
MAX_ZIP_TOTAL_BYTES = 50 * 1024 * 1024  # everything inside one zip, unpacked
# The widest table has 15 columns and a record as many fields: far wider input is an attack or a wrong file, and is
# refused before any per-column or per-key work.
MAX_CSV_COLUMNS = 200
MAX_JSON_KEYS = 1000  # per JSON object
BUNDLE_FORMAT = "parley-article-bundle/1"
BUNDLE_LISTS = s.RECORD_TABLES  # keys whose value is a list of records (sources first)
BUNDLE_KEYS = ("format", "comment", "source", *BUNDLE_LISTS)
RELEASE_ONLY = ("codebook", "issues", "fact_checks")  # change only with a data release, never by import
EXPORT_EXTRAS = ("README.md", "VERSION")
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")  # workbooks: refused with how to save them as CSV
SAVE_AS_CSV = (
    "save each sheet as a CSV file named after its table (positions.csv, ...): in Excel, File > Save As > "
    "'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice Calc, File > Save As > 'Text CSV (.csv)' with character "
    "set 'Unicode (UTF-8)' and field delimiter ','; in Google Sheets, File > Download > 'Comma-separated values (.csv)'"
)
# The first bytes of a workbook: an .xlsx/.ods file is a zip, an old .xls an OLE2 compound file.
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
# Dates that cannot lie ahead of the day they are recorded (talks can: rounds are announced before they happen).
NOT_IN_FUTURE = {"positions": ("date",), "reactions": ("date",), "sources": ("published",)}


class ImportRefused(Exception):
    """Nothing was written; `problems` says why, record by record (may be empty when the message says it all)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        self.problems = list(problems)
        super().__init__(message)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# -- parsing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """The incoming records of one table, with where each came from (file label, row) for problem reports."""

    table: s.Table
    file: str  # the label for problems not tied to a row (missing column, ...)
    frame: pd.DataFrame  # all-text
    where: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Parsed:
    parts: dict[str, Part]
    problems: list[Problem]
    notes: list[str]


def _table_names() -> str:
    return ", ".join(f"{name}.csv" for name in s.RECORD_TABLES)


def _table_for(file: str, stem: str) -> tuple[s.Table | None, Problem | None]:
    """positions.csv (also 'positions (1).csv', as browsers save a second download) -> the positions table."""
    name = re.sub(r"\s*\(\d+\)$", "", stem.strip().lower())
    if name in RELEASE_ONLY:
        return None, Problem.whole_file(
            file,
            f"{name}.csv cannot be imported: codes, issues and fact checks change only with a data release",
        )
    if name not in s.RECORD_TABLES:
        return None, Problem.whole_file(
            file, f"unknown file name: name each CSV file after its table ({_table_names()})"
        )
    return s.TABLES_BY_NAME[name], None


def parse_csv(file: str, table: s.Table, raw: bytes) -> tuple[Part | None, list[Problem]]:
    """One CSV file; rows are numbered as a spreadsheet shows them (blank lines and multi-line cells included).

    The csv module checks the structure row by row first (pandas would silently shift a row with an extra cell);
    the frame itself is then read by loading.read_table_bytes, exactly as the app reads the bundled files."""
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


class _DuplicateKey(ValueError):
    pass


class _TooManyKeys(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    if len(pairs) > MAX_JSON_KEYS:
        raise _TooManyKeys(len(pairs))
    record = dict(pairs)
    if len(record) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return record


def source_id_for(url: str) -> str:
    """The identifier convention: src- + first 10 hex digits of the SHA-1 of the URL."""
    return "src-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _cell(col: s.Column, value: object) -> tuple[str, str | None]:
    """A JSON value as CSV text, or the wrong-type rule it breaks."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value.strip(), None
    if isinstance(value, bool) and col.kind == s.BOOL:
        return ("true" if value else "false"), None
    if isinstance(value, int) and not isinstance(value, bool) and col.kind == s.INT:
        return str(value), None
    if isinstance(value, list) and col.kind == s.REFS and all(isinstance(v, str) for v in value):
        return s.LIST_SEP.join(v.strip() for v in value), None
    expected = {
        s.BOOL: "true or false",
        s.INT: "a whole number",
        s.REFS: "a list of ids or one ';'-separated string",
    }.get(col.kind, "text (a JSON string)")
    return "", f"wrong type: expected {expected}, got {_json_kind(value)}"


def _json_records(
    label: str, table: s.Table, items: list[object], default_source: str | None
) -> tuple[list[dict[str, str]], list[tuple[str, int]], list[Problem]]:
    records, where, problems = [], [], []
    names = table.column_names
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(
                Problem(label, number, None, json.dumps(item)[:80], "each record must be a JSON object {...}")
            )
            continue
        for key in item:
            if key not in names:
                problems.append(
                    Problem(
                        label, number, escaped(str(key)), None, f"unexpected field; expected fields: {', '.join(names)}"
                    )
                )
        record: dict[str, str] = {}
        for col in table.columns:
            if col.name == "source_ids" and col.name not in item:
                if default_source is not None:
                    record[col.name] = default_source  # records cite the bundle's article unless they say otherwise
                    continue
                rule = "missing source: give source_ids, or a 'source' object for the whole bundle"
                problems.append(Problem(label, number, col.name, None, rule))
            text, wrong = _cell(col, item.get(col.name))
            if wrong:
                problems.append(Problem(label, number, col.name, json.dumps(item.get(col.name))[:80], wrong))
            record[col.name] = text
        records.append(record)
        where.append((label, number))
    return records, where, problems


def parse_bundle(file: str, raw: bytes) -> tuple[dict[str, Part], list[Problem]]:
    """One JSON article bundle (format in data/README.md)."""
    if not raw.strip():
        return {}, [Problem.whole_file(file, "file is empty: expected a JSON article bundle")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return {}, [Problem.whole_file(file, f"file is not UTF-8 text (byte {err.start})")]
    try:
        bundle = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as err:
        return {}, [Problem(file, None, escaped(str(err)), None, "the same key appears twice in one JSON object")]
    except _TooManyKeys as err:
        rule = (
            f"a JSON object has {err.args[0]:,} keys; the limit is {MAX_JSON_KEYS:,} keys per object "
            "(a record has at most a few dozen fields)"
        )
        return {}, [Problem.whole_file(file, rule)]
    except json.JSONDecodeError as err:
        return {}, [Problem.whole_file(file, f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})")]
    except RecursionError:
        return {}, [Problem.whole_file(file, "not valid JSON: nested too deeply")]
    if not isinstance(bundle, dict):
        return {}, [
            Problem.whole_file(file, f"a bundle must be one JSON object with the keys {', '.join(BUNDLE_KEYS)}")
        ]
    problems = [
        Problem(file, None, escaped(str(key)), None, f"unknown key; a bundle may have: {', '.join(BUNDLE_KEYS)}")
        for key in bundle
        if key not in BUNDLE_KEYS
    ]
    if "format" in bundle and bundle["format"] != BUNDLE_FORMAT:
        problems.append(Problem(file, None, "format", str(bundle["format"]), f"format must be '{BUNDLE_FORMAT}'"))
    for key in BUNDLE_LISTS:
        if key in bundle and not isinstance(bundle[key], list):
            problems.append(Problem(file, None, key, None, f"'{key}' must be a list of records [...]"))
    source = bundle.get("source")
    if source is not None and not isinstance(source, dict):
        problems.append(Problem(file, None, "source", None, "'source' must be one JSON object {...}: the article"))
    if problems:
        return {}, problems

    default_source = None
    sources: list[object] = []
    if isinstance(source, dict):
        source = dict(source)
        if not source.get("source_id") and isinstance(source.get("url"), str):
            source["source_id"] = source_id_for(source["url"].strip())
        default_source = source.get("source_id") if isinstance(source.get("source_id"), str) else None
        sources.append(source)
    parts: dict[str, Part] = {}
    for name in s.RECORD_TABLES:
        table = s.TABLES_BY_NAME[name]
        if name == "sources":
            lists = [(f"{file} [source]", sources), (f"{file} [sources]", list(bundle.get("sources", [])))]
        else:
            lists = [(f"{file} [{name}]", list(bundle.get(name, [])))]
        records: list[dict[str, str]] = []
        where: list[tuple[str, int]] = []
        for label, items in lists:
            found, at, wrong = _json_records(label, table, items, None if name == "sources" else default_source)
            records += found
            where += at
            problems += wrong
        if records:
            frame = pd.DataFrame(records, columns=table.column_names, dtype=str)
            parts[name] = Part(table, f"{file} [{name}]", frame, tuple(where))
    if not parts and not problems:
        problems.append(Problem.whole_file(file, "the bundle holds no records"))
    return parts, problems


def parse_zip(file: str, raw: bytes, version: str, max_bytes: int) -> tuple[dict[str, Part], list[Problem], list[str]]:
    """A Parley export: its record tables are imported; codebook, issues, fact checks and docs are skipped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as err:
        return {}, [Problem.whole_file(file, f"not a valid zip file ({err})")], []
    parts: dict[str, Part] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    skipped: list[str] = []
    total = 0
    for member in members:
        path = member.filename
        if path.split("/")[0] == "__MACOSX":  # macOS metadata beside the files; never read
            continue
        if "/" in path or "\\" in path or path in (".", ".."):
            problems.append(
                Problem.whole_file(
                    f"{file}: {escaped(path)}",
                    "a path inside the zip: only files at the top level are read, as a Parley export writes them "
                    "(positions.csv, talks.csv, ...; no folders, '/', '\\' or '..')",
                )
            )
            continue
        name = PurePosixPath(path).name
        label = f"{file}: {escaped(name)}"
        if name.startswith("."):
            continue
        total += member.file_size
        if member.file_size > max_bytes or total > MAX_ZIP_TOTAL_BYTES:
            problems.append(
                Problem.whole_file(
                    label,
                    f"file is too large unpacked: the limit is {_mb(max_bytes)} per file (and "
                    f"{_mb(MAX_ZIP_TOTAL_BYTES)} for the whole zip); split the records into several files",
                )
            )
            continue
        try:
            with archive.open(member) as handle:
                data = handle.read(max_bytes + 1)  # never trust the size a zip declares
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError) as err:
            problems.append(Problem.whole_file(label, f"cannot be read from the zip ({err})"))
            continue
        if len(data) > max_bytes:
            problems.append(
                Problem.whole_file(label, f"file is too large unpacked; the limit is {_mb(max_bytes)} per file")
            )
            continue
        stem = PurePath(name).stem
        if name in EXPORT_EXTRAS or (name.lower().endswith(".csv") and stem in RELEASE_ONLY):
            skipped.append(name)
            if name == "VERSION" and data.decode("utf-8", "replace").strip() != version:
                notes.append(
                    f"The export was made from data version {data.decode('utf-8', 'replace').strip()!r}; "
                    f"this Parley has version {version!r}."
                )
            continue
        if not name.lower().endswith(".csv"):
            problems.append(Problem.whole_file(label, f"unexpected file in the zip: only {_table_names()}"))
            continue
        table, problem = _table_for(label, stem)
        if problem is not None or table is None:
            problems += [problem] if problem else []
            continue
        if table.name in parts:
            problems.append(Problem.whole_file(label, f"a second file for table {table.name}"))
            continue
        part, found = parse_csv(label, table, data)
        problems += found
        if part is not None:
            parts[table.name] = part
    if skipped:
        notes.append(f"Not imported from the zip (they change only with a data release): {', '.join(skipped)}.")
    if not parts and not problems:
        problems.append(Problem.whole_file(file, f"the zip holds none of {_table_names()}"))
    return parts, problems, notes


def parse_files(files: Sequence[tuple[str, bytes]], *, version: str = "", max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    """Every file given, as parts per table; problems for files that cannot be read or named."""
    parts: dict[str, Part] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    if not files:
        return Parsed({}, [Problem("(no file)", None, None, None, "no file given")], [])
    names = [escaped(PurePath(name).name) for name, _ in files]
    single = [n for n in names if n.lower().endswith((".json", ".zip"))]
    if single and len(files) > 1:
        return Parsed(
            {},
            [
                Problem.whole_file(n, "a JSON bundle or an export zip is imported on its own, not with other files")
                for n in single
            ],
            [],
        )
    for name, (_, raw) in zip(names, files, strict=True):
        if len(raw) > max_bytes:
            problems.append(
                Problem.whole_file(
                    name,
                    f"file is too large: the limit is {_mb(max_bytes)} per file; split the records into several files",
                )
            )
            continue
        suffix = PurePath(name).suffix.lower()
        if suffix == ".json":
            found_parts, found = parse_bundle(name, raw)
            parts.update(found_parts)
            problems += found
            continue
        if suffix == ".zip":
            found_parts, found, more = parse_zip(name, raw, version, max_bytes)
            parts.update(found_parts)
            problems += found
            notes += more
            continue
        if suffix in SPREADSHEETS:
            problems.append(
                Problem.whole_file(name, f"a spreadsheet workbook ({suffix}) cannot be imported: {SAVE_AS_CSV}")
            )
            continue
        if suffix != ".csv":
            problems.append(
                Problem.whole_file(
                    name,
                    f"unknown file type: give CSV files ({_table_names()}), "
                    "one JSON article bundle (.json) or one Parley export (.zip)",
                )
            )
            continue
        table, problem = _table_for(name, PurePath(name).stem)
        if problem is not None or table is None:
            problems += [problem] if problem else []
            continue
        if table.name in parts:
            problems.append(
                Problem.whole_file(
                    name,
                    f"two files for table {table.name} ({parts[table.name].file} and {name}): give one file per table",
                )
            )
            continue
        part, found = parse_csv(name, table, raw)
        problems += found
        if part is not None:
            parts[table.name] = part
    for name, part in list(parts.items()):
        parts[name], more = _filled_in(part)
        notes += more
    return Parsed(parts, problems, notes)


def _filled_in(part: Part) -> tuple[Part, list[str]]:
    """What a spreadsheet or a hand-written bundle leaves that has one right reading, filled in and said in a note:
    TRUE/FALSE (as spreadsheets save booleans) read as true/false, and a source without an id given the id its URL
    gives (`source_id_for`), as the bundle's `source` is."""
    frame, notes = part.frame, []
    for col in part.table.columns:
        if col.kind != s.BOOL or col.name not in frame.columns:
            continue
        values = frame[col.name].astype(str)
        lower = values.str.lower()
        spreadsheet = lower.isin(("true", "false")) & values.ne(lower)
        if spreadsheet.any():
            frame = frame.copy() if frame is part.frame else frame
            frame.loc[spreadsheet, col.name] = lower[spreadsheet]
            notes.append(
                f"{part.file}: {int(spreadsheet.sum())} {col.name} value(s) written as a spreadsheet saves them "
                f"({', '.join(sorted(set(values[spreadsheet])))}) were read as true/false."
            )
    if part.table.name == "sources" and {"source_id", "url"} <= set(frame.columns):
        blank = frame["source_id"].astype(str).eq("") & frame["url"].astype(str).ne("")
        if blank.any():
            frame = frame.copy() if frame is part.frame else frame
            frame.loc[blank, "source_id"] = frame.loc[blank, "url"].map(source_id_for)
            ids = ", ".join(frame.loc[blank, "source_id"].head(5)) + (", ..." if blank.sum() > 5 else "")
            notes.append(
                f"{part.file}: {int(blank.sum())} source(s) without a source_id get the id from their URL: {ids}."
            )
    return (part if frame is part.frame else replace(part, frame=frame)), notes


# -- planning ---------------------------------------------------------------------------------------------------


def _at(part: Part, problem: Problem) -> Problem:
    """A problem found in a part's frame (row = position + 2) moved to the record's own file and row."""
    if problem.row is None:
        return Problem(part.file, None, problem.column, problem.value, problem.rule)
    file, row = part.where[problem.row - 2]
    return Problem(file, row, problem.column, problem.value, problem.rule)


def _key_columns(table: s.Table) -> list[str]:
    return [table.key] if table.key else list(table.unique_together)


def _origin(layers: Layers, name: str, position: int) -> str:
    n = layers.n_bundled.get(name, 0)
    return "the bundled data" if position < n else f"imported batch {layers.batch_ids[name][position - n]}"


@dataclass
class _Plan:
    new: dict[str, pd.DataFrame] = field(default_factory=dict)
    new_where: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    skipped: dict[str, pd.DataFrame] = field(default_factory=dict)
    conflicts: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _classify(part: Part, layers: Layers, plan: _Plan) -> None:
    """Each incoming record is new, an exact duplicate of an existing one (skipped), or a conflict (refused)."""
    table = part.table
    name = table.name
    columns = table.column_names
    keys = _key_columns(table)
    existing = layers.frames[name]
    by_key = {tuple(r): i for i, r in enumerate(existing[keys].itertuples(index=False, name=None))}
    urls = dict(zip(existing["url"], existing["source_id"], strict=True)) if name == "sources" else {}
    rows = list(existing[columns].itertuples(index=False, name=None))
    keep, skipped, conflicts = [], [], []
    for i, values in enumerate(part.frame[columns].itertuples(index=False, name=None)):
        file, row = part.where[i]
        record = dict(zip(columns, values, strict=True))
        key = tuple(record[k] for k in keys)
        shown_key = "/".join(key)
        if key in by_key:
            old = rows[by_key[key]]
            where_old = _origin(layers, name, by_key[key])
            if old == values:
                skipped.append({"file": file, "row": row, "record": shown_key, "exists in": where_old})
                continue
            differs = [(c, a, b) for c, a, b in zip(columns, old, values, strict=True) if a != b]
            conflicts.append(
                {
                    "file": file,
                    "row": row,
                    "record": shown_key,
                    "exists in": where_old,
                    "differs in": ", ".join(c for c, _, _ in differs),
                    "old values": "; ".join(f"{c}: {_short(a)}" for c, a, _ in differs),
                    "new values": "; ".join(f"{c}: {_short(b)}" for c, _, b in differs),
                }
            )
            changes = "; ".join(f"{c} was '{_short(a)}', here '{_short(b)}'" for c, a, b in differs)
            rule = f"conflict: this id already exists in {where_old} with other values ({changes}); "
            plan.problems.append(
                Problem(file, row, ", ".join(keys), shown_key, rule + _conflict_advice(name, record, where_old))
            )
            continue
        if name == "sources" and record["url"] in urls:
            plan.problems.append(
                Problem(
                    file,
                    row,
                    "url",
                    record["url"],
                    f"this URL is already recorded as source {urls[record['url']]}: cite that id instead",
                )
            )
            continue
        if name == "sources":
            urls[record["url"]] = record["source_id"]
        keep.append(i)
    plan.new[name] = part.frame.iloc[keep][columns].reset_index(drop=True)
    plan.new_where[name] = [part.where[i] for i in keep]
    plan.skipped[name] = pd.DataFrame(skipped, columns=["file", "row", "record", "exists in"])
    plan.conflicts[name] = pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS)


CONFLICT_COLUMNS = ["file", "row", "record", "exists in", "differs in", "old values", "new values"]


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _conflict_advice(table: str, record: Mapping[str, str], where_old: str) -> str:
    """What to do about a record that would replace another: a bundled record has no batch to undo, so it is changed
    by 'Propose a correction' on its record page; an imported one also by undoing its batch."""
    bundled = where_old == "the bundled data"
    batch = where_old.removeprefix("imported ")
    if table == "talk_participants":  # no record page of its own, so no correction form
        if bundled:
            return "bundled records have no import batch to undo, and a round's participants change with a data release"
        return f"to change it, undo {batch} and import the participant again"
    key = record[s.TABLES_BY_NAME[table].key or ""]
    correct = f"to change the existing record, open record?id={key} and use 'Propose a correction'"
    if table == "sources":
        return f"to cite that source, leave this row out and give its id in source_ids; {correct}"
    if bundled:
        return f"bundled records have no import batch to undo: {correct}; to add a different record, give it a new id"
    return f"{correct}, or undo {batch} and import again; to add a different record, give it a new id"


def _future_dates(plan: _Plan, today: date) -> None:
    latest = today + timedelta(days=1)  # a statement dated 'tomorrow' is a time-zone matter, not an error
    for name, columns in NOT_IN_FUTURE.items():
        frame = plan.new.get(name)
        if frame is None:
            continue
        for column in columns:
            for i, value in enumerate(frame[column]):
                try:
                    when = date.fromisoformat(value) if value else None
                except ValueError:
                    when = None
                if when is not None and when > latest:
                    file, row = plan.new_where[name][i]
                    plan.problems.append(Problem(file, row, column, value, f"date is in the future (today is {today})"))


def _links(plan: _Plan, layers: Layers, bundled: Mapping[str, pd.DataFrame]) -> None:
    """References are checked on the union: bundled + store + new, so a new record may cite an existing one."""
    union = dict(bundled)
    offset: dict[str, int] = {}
    for name in s.RECORD_TABLES:
        offset[name] = len(layers.frames[name])
        new = plan.new.get(name)
        union[name] = layers.frames[name] if new is None else pd.concat([layers.frames[name], new], ignore_index=True)
    by_file = {s.TABLES_BY_NAME[name].file: name for name in s.RECORD_TABLES}
    # A cell already reported (a bad code, a stray character, a missing value) is not reported again as a link.
    reported = {(p.file, p.row, p.column) for p in plan.problems}
    for problem in validate_links(union) + validate_actor_types(union):
        table = by_file.get(problem.file)
        if table is not None and problem.row is None and plan.new_where.get(table):
            # "N more ids break this rule": the existing data had none, so they are all in the new records.
            plan.problems.append(replace(problem, file=plan.new_where[table][0][0]))
            continue
        if table is None or problem.row is None or problem.row - 2 < offset[table]:
            continue  # a problem in the existing data was reported by validate_frames already
        file, row = plan.new_where[table][problem.row - 2 - offset[table]]
        if (file, row, problem.column) not in reported:
            plan.problems.append(Problem(file, row, problem.column, problem.value, problem.rule))


def _plan(
    parts: Mapping[str, Part],
    bundled: Mapping[str, pd.DataFrame],
    imported: Mapping[str, pd.DataFrame],
    today: date,
) -> _Plan:
    plan = _Plan()
    codes = codes_from(bundled["codebook"], bundled["issues"])
    shaped: list[Part] = []
    for name in s.RECORD_TABLES:
        part = parts.get(name)
        if part is None:
            continue
        found = [_at(part, p) for p in validate_table(part.table, part.frame, codes)]
        plan.problems += found
        if set(part.frame.columns) == set(part.table.column_names):
            shaped.append(part)
    layers = layered(bundled, imported)
    existing = layers.relabel(validate_frames(layers.frames))
    if existing:
        plan.problems += existing
        return plan
    for part in shaped:
        _classify(part, layers, plan)
    _future_dates(plan, today)
    _links(plan, layers, bundled)  # with the other problems, so that one pass lists them all
    plan.problems = sorted(dict.fromkeys(plan.problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.rule))
    return plan


# -- preview and commit -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What an import would change. Commit it only when `ok`; the store may have moved on in between (rechecked)."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    new: dict[str, pd.DataFrame]  # per table: the records that will be written
    skipped: dict[str, pd.DataFrame]  # per table: exact duplicates of existing records, not written
    conflicts: dict[str, pd.DataFrame]  # per table: same id as an existing record, different content (refused)
    base_revision: str
    _parts: dict[str, Part] = field(repr=False, default_factory=dict)
    _bundled: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    _today: date = field(repr=False, default_factory=date.today)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def n_new(self) -> int:
        return sum(len(f) for f in self.new.values())

    @property
    def n_skipped(self) -> int:
        return sum(len(f) for f in self.skipped.values())

    def summary(self) -> pd.DataFrame:
        """One row per table that the import touches: new records, exact duplicates skipped, conflicts."""
        rows = [
            {
                "table": name,
                "new": len(self.new.get(name, ())),
                "duplicates skipped": len(self.skipped.get(name, ())),
                "conflicts": len(self.conflicts.get(name, ())),
            }
            for name in s.RECORD_TABLES
            if name in self.new or name in self.skipped or name in self.conflicts
        ]
        return pd.DataFrame(rows, columns=["table", "new", "duplicates skipped", "conflicts"])


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule} for p in problems],
        columns=["file", "row", "column", "value", "rule"],
    ).astype({"row": "Int64"})


def preview_import(
    files: Sequence[tuple[str, bytes]],
    store: Store,
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    today: date | None = None,
) -> Preview:
    """Parse and validate `(file name, bytes)` pairs against the bundled data plus the store. Writes nothing."""
    names = tuple(escaped(PurePath(name).name) for name, _ in files)
    parsed = parse_files(files, version=read_version(data_dir), max_bytes=max_bytes)
    bundled, problems = read_raw_tables(data_dir)
    revision = store.revision()  # before the rows: a write in between makes commit recheck
    empty: dict[str, pd.DataFrame] = {}
    if problems:
        return Preview(names, tuple(problems), tuple(parsed.notes), empty, empty, empty, revision)
    when = today or date.today()
    imported = store.imported_rows()
    plan = _plan(parsed.parts, bundled, imported, when)
    # A cell already reported while parsing (wrong JSON type, missing source) is not reported again as 'required'.
    seen = {(p.file, p.row, p.column) for p in parsed.problems if p.row is not None}
    later = [p for p in plan.problems if (p.file, p.row, p.column) not in seen]
    known = [bundled, imported, {name: part.frame for name, part in parsed.parts.items()}]
    return Preview(
        files=names,
        problems=tuple(parsed.problems + with_suggestions(later, known)),
        notes=tuple(parsed.notes),
        new=plan.new,
        skipped=plan.skipped,
        conflicts=plan.conflicts,
        base_revision=revision,
        _parts=parsed.parts,
        _bundled=bundled,
        _today=when,
    )


# What an unknown id is matched against to suggest the nearest codes: the id, then words a reader would know it by.
_SUGGEST_FROM = {"actors": ("actor_id", "name", "aliases"), "talks": ("talk_id", "title", "city")}
# Which kinds of actor a column may name (schema.ACTOR_TYPES), by column name: only those are suggested.
_KINDS_BY_COLUMN = {column: kinds for (_, column), kinds in s.ACTOR_TYPES.items()}


def with_suggestions(problems: Sequence[Problem], layers: Sequence[Mapping[str, pd.DataFrame]]) -> list[Problem]:
    """An unknown actor or round id names the nearest known codes by id, name and alias ("did you mean RUS —
    Russia?"); an unknown actor also says that a new one can be added in the bundle's `actors`."""
    from parley.article import nearest_codes  # parley.article builds on this module

    candidates: dict[str, list[tuple[str, str, str, str]]] = {}
    hints: dict[tuple[str, str, str], str] = {}  # a value repeated on many rows is matched once
    out = []
    for problem in problems:
        table = next((t for t in _SUGGEST_FROM if problem.rule == f"unknown id: not in {t}.csv"), None)
        if table is None or not problem.value:
            out.append(problem)
            continue
        if table not in candidates:
            key, name, words = _SUGGEST_FROM[table]
            kind = "actor_type" if table == "actors" else key  # (rounds are of one kind: the key fills the place)
            frames = [f[table] for f in layers if table in f and len(f[table])]
            rows = pd.concat(frames)[[key, name, words, kind]].astype(str).drop_duplicates(key) if frames else None
            candidates[table] = [] if rows is None else list(rows.itertuples(index=False, name=None))
        seen = (table, problem.column or "", problem.value)
        if seen not in hints:
            kinds = _KINDS_BY_COLUMN.get(problem.column or "") if table == "actors" else None
            near = nearest_codes(problem.value, [c[:3] for c in candidates[table] if kinds is None or c[3] in kinds])
            hint = ("; did you mean " + " or ".join(f"{code} — {name}" for code, name in near) + "?") if near else ""
            if table == "actors":
                hint += (
                    "" if near else "."
                ) + " A new actor can be added in the bundle's `actors` (or actors.csv) in the same import."
            hints[seen] = hint
        out.append(replace(problem, rule=problem.rule + hints[seen]))
    return out


def _same(a: Mapping[str, pd.DataFrame], b: Mapping[str, pd.DataFrame]) -> bool:
    names = {n for n, f in a.items() if len(f)} | {n for n, f in b.items() if len(f)}
    return all(n in a and n in b and a[n].reset_index(drop=True).equals(b[n].reset_index(drop=True)) for n in names)


def commit(preview: Preview, store: Store, *, via: str = "") -> Batch:
    """Write the preview's new records as one batch, in one transaction. Raises ImportRefused; nothing is written."""
    if preview.problems:
        raise ImportRefused(
            f"The import has {len(preview.problems)} problem(s); nothing was written.", preview.problems
        )
    if preview.n_new == 0:
        raise ImportRefused("Nothing new to import: every record already exists. Nothing was written.")

    def recheck(current: dict[str, pd.DataFrame]) -> None:
        again = _plan(preview._parts, preview._bundled, current, preview._today)
        if again.problems:
            raise ImportRefused(
                "Another import or undo landed while this one was being reviewed, and this import now has problems. "
                "Nothing was written; check the files again.",
                again.problems,
            )
        if not _same(again.new, preview.new):
            raise ImportRefused(
                "Another import or undo landed while this one was being reviewed and changed what this one would add. "
                "Nothing was written; check the files again and confirm the new preview."
            )

    return store.write_batch(
        {name: frame for name, frame in preview.new.items() if len(frame)},
        files=preview.files,
        skipped={name: len(frame) for name, frame in preview.skipped.items() if len(frame)},
        via=via,
        expect_revision=preview.base_revision,
        recheck=recheck,
    )


def undo_batch(store: Store, batch_id: str, data_dir: Path = DEFAULT_DATA_DIR) -> Batch:
    """Remove one batch, unless that would leave a record pointing at a removed one (then nothing changes)."""
    bundled, problems = read_raw_tables(data_dir)
    if problems:
        raise ImportRefused("The bundled data does not load; nothing was changed.", problems)

    def problems_with(rows: dict[str, pd.DataFrame]) -> list[Problem]:
        layers = layered(bundled, rows)
        return layers.relabel(validate_frames(layers.frames))

    def check(now: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
        # Only problems the undo would cause count: undoing a batch that clashes with a new release must stay possible.
        before = set(problems_with(now))
        found = [p for p in problems_with(after) if p not in before]
        if found:
            raise ImportRefused(
                f"Batch {batch_id} cannot be undone: records imported later refer to its records (listed below). "
                "Undo those batches first. Nothing was changed.",
                found,
            )

    return store.undo(batch_id, check=check)


# -- templates and export ---------------------------------------------------------------------------------------


def template_csv(name: str) -> bytes:
    """A header-only CSV for one record table (UTF-8 with BOM so spreadsheet programs keep accents)."""
    return (",".join(s.TABLES_BY_NAME[name].column_names) + "\n").encode("utf-8-sig")


EXAMPLE_URL = "https://example.org/news/2026/04/15/istanbul-round-example"


def example_bundle() -> bytes:
    """A complete, valid article bundle against the bundled data: copy it and replace every value."""
    bundle = {
        "format": BUNDLE_FORMAT,
        "comment": "EXAMPLE: replace every value. Records without source_ids cite the bundle's source.",
        "source": {
            "url": EXAMPLE_URL,
            "outlet": "Example Wire",
            "title": "Delegations meet again in Istanbul (example)",
            "published": "2026-04-15",
            "source_type": "wire",
            "reliability_notes": "",
        },
        "actors": [
            {
                "actor_id": "example_envoy",
                "name": "Example Envoy",
                "actor_type": "person",
                "country_iso3": "TUR",
                "affiliation": "TUR",
                "aliases": "",
            }
        ],
        "talks": [
            {
                "talk_id": "2026-04-15-istanbul-example",
                "process_id": s.PROCESS_DEFAULT,
                "title": "Istanbul round (example)",
                "start_date": "2026-04-15",
                "end_date": "2026-04-15",
                "city": "Istanbul",
                "venue": "",
                "country_iso3": "TUR",
                "format": "mediated",
                "status": "held",
                "outcome": "The delegations agreed to exchange prisoners and to meet again.",
                "confidence": "medium",
                "disputed": False,
                "notes": "",
            }
        ],
        "talk_participants": [
            {"talk_id": "2026-04-15-istanbul-example", "actor_id": "RUS", "role": "party"},
            {"talk_id": "2026-04-15-istanbul-example", "actor_id": "UKR", "role": "party"},
            {
                "talk_id": "2026-04-15-istanbul-example",
                "actor_id": "TUR",
                "role": "mediator",
                "delegation_head_id": "example_envoy",
            },
        ],
        "agreed_items": [
            {
                "item_id": "itm-9001",
                "talk_id": "2026-04-15-istanbul-example",
                "issue_id": "prisoners",
                "summary": "Exchange of prisoners of war.",
                "quantity": 500,
                "quantity_unit": "prisoners per side",
                "status": "agreed",
                "confidence": "medium",
            }
        ],
        "positions": [
            {
                "position_id": "pos-9001",
                "date": "2026-04-15",
                "actor_id": "UKR",
                "issue_id": "ceasefire",
                "stance": "demand",
                "option_id": "ceasefire.unconditional_first",
                "summary": "Ukraine asked for a full ceasefire before any talks on territory.",
                "talk_id": "2026-04-15-istanbul-example",
                "confidence": "medium",
                "disputed": False,
            }
        ],
        "reactions": [
            {
                "reaction_id": "rea-9001",
                "date": "2026-04-16",
                "actor_id": "UN",
                "talk_id": "2026-04-15-istanbul-example",
                "event": "Istanbul round (example)",
                "stance": "welcome",
                "summary": "The UN welcomed the agreement on prisoners.",
                "confidence": "medium",
                "disputed": False,
            }
        ],
    }
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


DATASET_TABLES = {
    "codebook": "codebook",
    "issues": "issues",
    "sources": "sources",
    "actors": "actors",
    "talks": "talks",
    "talk_participants": "participants",
    "agreed_items": "items",
    "positions": "positions",
    "reactions": "reactions",
    "fact_checks": "fact_checks",
}


def to_raw_frames(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """The dataset's tables back as raw CSV text: schema columns only, dates YYYY-MM-DD, booleans true/false."""
    frames: dict[str, pd.DataFrame] = {}
    for table in s.TABLES:
        typed = getattr(dataset, DATASET_TABLES[table.name])
        out = pd.DataFrame(index=typed.index)
        for col in table.columns:
            values = typed[col.name]
            if col.kind == s.DATE:
                text = values.dt.strftime("%Y-%m-%d").fillna("")
            elif col.kind == s.BOOL:
                text = values.map({True: "true", False: "false"})
            elif col.kind == s.INT:
                text = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
            else:
                text = values.astype(str)
            out[col.name] = text.astype(str)
        frames[table.name] = out.reset_index(drop=True)
    return frames


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def export_all(dataset: Dataset, data_dir: Path = DEFAULT_DATA_DIR) -> bytes:
    """Everything, bundled plus imported, as a zip of raw CSVs with the data dictionary and the version.

    The CSVs hold the data exactly (no spreadsheet-formula escaping) so that the zip imports back unchanged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in to_raw_frames(dataset).items():
            archive.writestr(f"{name}.csv", _csv(frame))
        readme = data_dir / "README.md"
        if readme.exists():
            archive.writestr("README.md", readme.read_bytes())
        archive.writestr("VERSION", f"{dataset.version}\n")
    return buffer.getvalue()


# -- what the current view holds, by origin ---------------------------------------------------------------------

VIEW_COLUMNS = {  # table: (id column, date column, text column) for the list of imported records
    "talks": ("talk_id", "start_date", "title"),
    "agreed_items": ("item_id", None, "summary"),
    "positions": ("position_id", "date", "summary"),
    "reactions": ("reaction_id", "date", "summary"),
    "sources": ("source_id", "published", "title"),
}


def origin_counts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per table: how many of the rows are bundled and how many imported."""
    rows = [
        {
            "table": name,
            "bundled": int((frame["origin"] == BUNDLED).sum()),
            "imported": int((frame["origin"] == IMPORTED).sum()),
        }
        for name, frame in tables.items()
    ]
    return pd.DataFrame(rows, columns=["table", "bundled", "imported"])


def imported_records(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The imported rows of the given (Dataset) tables as one list: table, id, date, title or summary."""
    parts = []
    for name, frame in tables.items():
        id_col, date_col, text_col = VIEW_COLUMNS[name]
        rows = frame[frame["origin"] == IMPORTED]
        if rows.empty:
            continue
        dates = rows[date_col].dt.strftime("%Y-%m-%d").fillna("") if date_col else pd.Series("", index=rows.index)
        parts.append(
            pd.DataFrame({"table": name, "id": rows[id_col], "date": dates, "text": rows[text_col].astype(str)})
        )
    if not parts:
        return pd.DataFrame(columns=["table", "id", "date", "text"])
    return pd.concat(parts, ignore_index=True)
