"""Control, bidi and invisible characters are refused at the boundary: the bundled load and every import path.

A record holding NUL, vertical tab, form feed or ESC must never get in: vl-convert aborts the whole process on them
when a chart is exported, and a terminal runs escape sequences. Ids, codes, dates, URLs and id lists also refuse
bidi controls and invisible characters, which make two values that look the same differ.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from parley import schema as s
from parley.importer import preview_import
from parley.loading import load_dataset
from parley.store import Store
from parley.validation import MAX_PER_RULE, DataValidationError, Problem, validate_table
from tests.importing import csv_bytes, position
from tests.mini import TABLES, write_mini


def _load_problems(tmp_path: Path, table: str, row: int, **changes: str) -> list[Problem]:
    rows = copy.deepcopy(TABLES[table])
    rows[row].update(changes)
    write_mini(tmp_path, {table: rows})
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    return info.value.problems


REFUSED = [
    # (table, row index, column, value, escaped value, words in the rule)
    ("positions", 0, "summary", "Talks\x0bresumed", "Talks\\x0bresumed", "U+000B (vertical tab)"),
    ("positions", 1, "summary", "Talks\x1b[2J", "Talks\\x1b[2J", "U+001B (escape)"),
    ("positions", 1, "summary", "one\rtwo", "one\\rtwo", "U+000D (carriage return)"),
    ("positions", 0, "conditions", "form\x0cfeed", "form\\x0cfeed", "U+000C (form feed)"),
    ("positions", 0, "notes", "c1\x85control", "c1\\x85control", "U+0085"),
    ("positions", 0, "notes", "del\x7f", "del\\x7f", "U+007F (delete)"),
    ("actors", 0, "name", "Two\nlines", "Two\\nlines", "U+000A (line feed)"),
    ("actors", 0, "name", "tab\there", "tab\\there", "U+0009 (tab)"),
    ("talks", 0, "title", "bell\x07", "bell\\x07", "U+0007 (bell)"),
    ("positions", 2, "position_id", "pos-\u200b0003", "pos-\\u200b0003", "U+200B (zero width space)"),
    ("sources", 1, "url", "https://example.org/\u202eb", "https://example.org/\\u202eb", "U+202E"),
    ("positions", 0, "stance", "demand\u2066", "demand\\u2066", "U+2066"),
    ("talks", 0, "start_date", "2025-05-16\u200e", "2025-05-16\\u200e", "U+200E"),
    ("talks", 1, "country_iso3", "\ufeffTUR", "\\ufeffTUR", "U+FEFF"),
    ("actors", 3, "actor_id", "vladimir\xadmedinsky", "vladimir\\xadmedinsky", "U+00AD (soft hyphen)"),
    (
        "positions",
        1,
        "source_ids",
        "src-0000000001;\u2060src-0000000002",
        "src-0000000001;\\u2060src-0000000002",
        "U+2060",
    ),
    ("talk_participants", 0, "role", "party\u061c", "party\\u061c", "U+061C"),
    ("fact_checks", 0, "record_ids", "pos-0001\u200d", "pos-0001\\u200d", "U+200D"),
]


@pytest.mark.parametrize(("table", "index", "column", "value", "shown", "words"), REFUSED)
def test_a_refused_character_is_a_problem_naming_file_row_column_and_the_escaped_value(
    tmp_path, table, index, column, value, shown, words
):
    problems = _load_problems(tmp_path, table, index, **{column: value})
    matching = [
        p
        for p in problems
        if p.file == f"{table}.csv" and p.row == index + 2 and p.column == column and words in p.rule
    ]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert problem.value == shown
    assert "remove" in problem.rule
    text = str(problem)
    assert shown in text and all(c.isprintable() for c in text), text


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("summary", "First paragraph.\nSecond paragraph."),
        ("summary", "Saved by a spreadsheet:\r\nsecond line"),
        ("notes", "Column\tseparated\tnote"),
        ("conditions", "Ceasefire first \u200f(RLM in prose is fine)"),
    ],
)
def test_multi_line_prose_keeps_tab_and_line_breaks(tmp_path, column, value):
    rows = copy.deepcopy(TABLES["positions"])
    rows[0][column] = value
    write_mini(tmp_path, {"positions": rows})
    ds = load_dataset(tmp_path)
    assert value.strip() in set(ds.positions[column].astype(str))


def test_names_may_hold_bidi_marks_but_ids_may_not(tmp_path):
    rows = copy.deepcopy(TABLES["actors"])
    rows[0]["name"] = "\u200fسلام"
    write_mini(tmp_path, {"actors": rows})
    load_dataset(tmp_path)
    problems = _load_problems(tmp_path, "actors", 0, actor_id=rows[0]["actor_id"] + "\u200f")
    assert any(p.column == "actor_id" and "U+200F" in p.rule for p in problems)


def test_every_schema_column_has_a_character_class_and_prose_columns_are_marked():
    for table in s.TABLES:
        for col in table.columns:
            assert col.characters in (s.ONE_LINE, s.MULTI_LINE, s.SYMBOL), (table.name, col.name)
            if col.kind != s.TEXT:
                assert col.characters == s.SYMBOL, (table.name, col.name)
    assert s.POSITIONS.column("summary").characters == s.MULTI_LINE
    assert s.ACTORS.column("name").characters == s.ONE_LINE
    assert s.FACT_CHECKS.column("record_ids").characters == s.SYMBOL


# -- every import path reaches the rules ---------------------------------------------------------------------------


def _import(files: list[tuple[str, bytes]], mini_dir: Path, temp_store_url: str):  # type: ignore[no-untyped-def]
    return preview_import(files, Store(temp_store_url), mini_dir)


def test_csv_import_refuses_a_control_character(mini_dir, temp_store_url):
    raw = csv_bytes("positions", [position(1), position(2, summary="Clear\x1b[2Jscreen")])
    preview = _import([("positions.csv", raw)], mini_dir, temp_store_url)
    assert not preview.ok
    problem = next(p for p in preview.problems if p.column == "summary")
    assert (problem.file, problem.row, problem.value) == ("positions.csv", 3, "Clear\\x1b[2Jscreen")
    assert "U+001B (escape)" in problem.rule


def test_json_bundle_refuses_nul_and_an_invisible_id(mini_dir, temp_store_url):
    bundle = {
        "format": "parley-article-bundle/1",
        "positions": [position(1, summary="nul\x00here"), position(2, position_id="pos-\ufeff00002")],
    }
    raw = json.dumps(bundle).encode()
    preview = _import([("bundle.json", raw)], mini_dir, temp_store_url)
    found = {(p.file, p.row, p.column, p.value) for p in preview.problems}
    assert ("bundle.json [positions]", 1, "summary", "nul\\x00here") in found, preview.problems
    assert ("bundle.json [positions]", 2, "position_id", "pos-\\ufeff00002") in found, preview.problems


def test_zip_import_refuses_a_control_character(mini_dir, temp_store_url):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("positions.csv", csv_bytes("positions", [position(1, notes="vertical\x0btab")]))
    preview = _import([("export.zip", buffer.getvalue())], mini_dir, temp_store_url)
    problem = next(p for p in preview.problems if p.column == "notes")
    assert (problem.file, problem.row) == ("export.zip: positions.csv", 2)
    assert "U+000B (vertical tab)" in problem.rule


def test_a_file_name_with_an_escape_sequence_is_shown_escaped(mini_dir, temp_store_url):
    preview = _import([("\x1b[2Jpositions.csv", b"a,b\n1,2\n")], mini_dir, temp_store_url)
    assert preview.files == ("\\x1b[2Jpositions.csv",)
    assert all(p.file.isprintable() for p in preview.problems)


# -- bounded output ------------------------------------------------------------------------------------------------


def test_problems_per_rule_are_capped_with_a_count_of_the_rest():
    n = MAX_PER_RULE + 500
    frame = pd.DataFrame(
        {
            "issue_id": [f"i{i}" for i in range(n)],
            "label": ["bad\x0blabel"] * n,
            "definition": ["fine"] * n,
        },
        dtype=str,
    )
    problems = validate_table(s.ISSUES, frame, {})
    per_cell = [p for p in problems if p.row is not None]
    assert len(per_cell) == MAX_PER_RULE
    summary = [p for p in problems if p.row is None]
    assert len(summary) == 1 and "500 more cells" in summary[0].rule


def test_problem_text_never_holds_a_raw_control_character():
    problem = Problem("a\x1b.csv", 2, "col\x07", "v\x00", "rule")
    assert str(problem) == "a\\x1b.csv, row 2, column 'col\\x07': rule (value: 'v\\x00')"


@pytest.mark.parametrize("characters", [s.ONE_LINE, s.MULTI_LINE, s.SYMBOL])
def test_the_fast_byte_scan_never_misses_a_refused_character(characters):
    import pyarrow as pa

    from parley.validation import _REFUSED_PY, _may_hold_refused

    candidates = [*range(0x3000), 0xFEFF]
    refused = [chr(c) for c in candidates if _REFUSED_PY[characters].search(f"x{chr(c)}y")]
    assert len(refused) >= 60
    for c in refused:
        # Long cells, so a character also lands on the boundary between two scanned slices.
        cells = pa.array(["a" * ((1 << 18) - 1) + c + "b", "plain"])
        assert _may_hold_refused(cells, characters), (characters, hex(ord(c)))
        assert _may_hold_refused(pa.array(["ok", f"x{c}y"]), characters), (characters, hex(ord(c)))
