"""Reading what was uploaded: which files may come together, their names and sizes, workbooks refused, an export zip
unpacked, each file handed to the CSV or bundle reader, and the values with one right reading filled in.

Separate from the checks: this stage only turns bytes into `Part`s per table (or problems saying why a file cannot
be read); nothing here looks at the data already recorded.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath, PurePosixPath

from parley import schema as s
from parley.import_bundle import parse_bundle, source_id_for
from parley.import_csv import SAVE_AS_CSV, Part, parse_csv
from parley.import_restore import CORRECTIONS_FILE
from parley.validation import Problem, escaped

MAX_FILE_BYTES = 5 * 1024 * 1024  # per uploaded file, and per file inside a zip
MAX_ZIP_TOTAL_BYTES = 50 * 1024 * 1024  # everything inside one zip, unpacked
# Change only with a data release, never by import: the codes, the issues, the fact checks, the issue scales and plans.
RELEASE_ONLY = ("codebook", "issues", "fact_checks", "issue_options", "plans")
EXPORT_EXTRAS = ("README.md", "VERSION")
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")  # workbooks: refused with how to save them as CSV


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


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
            f"{name}.csv cannot be imported: codes, issues, fact checks, issue options and plans change only with a "
            "data release",
        )
    if name not in s.RECORD_TABLES:
        return None, Problem.whole_file(
            file, f"unknown file name: name each CSV file after its table ({_table_names()})"
        )
    return s.TABLES_BY_NAME[name], None


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
        if name == CORRECTIONS_FILE:  # the export's corrections: read and re-applied by parley.import_restore
            continue
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
