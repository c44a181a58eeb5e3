"""Every malformed input in tests/import_cases is refused with its expected problem, and nothing is written.

Each folder holds the file(s) of one case; cases.json names the file, row, column and a fragment of the rule the
problem must carry (row: spreadsheet row for CSV, the record's number in its list for JSON), or several fragments
that one problem must carry. A case may also list other problems the same pass must report (`also`: row, column,
rule, file when another), the exact number of problems (`count`), and a fragment of a note the preview must show
(`note`: something read, not refused). The cases run against the mini dataset, so they do not move when the bundled
data grows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parley.importer import ImportRefused, commit, preview_import
from parley.schema import RECORD_TABLES
from parley.store import Store

CASES_DIR = Path(__file__).resolve().parents[1] / "import_cases"
CASES = json.loads((CASES_DIR / "cases.json").read_text(encoding="utf-8"))


def _files(slug: str) -> list[tuple[str, bytes]]:
    return [(name, (CASES_DIR / slug / name).read_bytes()) for name in CASES[slug]["files"]]


def test_there_are_at_least_thirty_cases_and_every_folder_is_listed():
    folders = {p.name for p in CASES_DIR.iterdir() if p.is_dir()}
    assert len(CASES) >= 30
    assert folders == set(CASES), folders ^ set(CASES)
    for slug, case in CASES.items():
        assert {p.name for p in (CASES_DIR / slug).iterdir()} == set(case["files"]), slug
        assert case["rule"] and case["why"], slug


def _fragments(rule: str | list[str]) -> list[str]:
    return [rule] if isinstance(rule, str) else rule


def _matching(problems, file: str, row: int | None, column: str | None, rule: str | list[str]) -> list:
    return [
        p
        for p in problems
        if p.file == file and p.row == row and p.column == column and all(f in p.rule for f in _fragments(rule))
    ]


def assert_nothing_written(preview, store: Store, url: str) -> None:
    with pytest.raises(ImportRefused):
        commit(preview, store)
    assert store.revision() == "empty"
    assert all(frame.empty for frame in store.imported_frames().values())
    assert store.batches().empty
    assert not Path(url.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize("slug", sorted(CASES))
def test_malformed_input_is_refused_with_its_problem_and_writes_nothing(slug, mini_dir, temp_store_url):
    case = CASES[slug]
    store = Store(temp_store_url)
    preview = preview_import(_files(slug), store, mini_dir, max_bytes=case.get("max_bytes", 5 * 1024 * 1024))

    shown = [str(p) for p in preview.problems]
    matching = _matching(preview.problems, case["file"], case["row"], case["column"], case["rule"])
    assert matching, (
        f"{slug}: expected {case['file']} row {case['row']} column {case['column']} '{case['rule']}', got {shown}"
    )
    text = str(matching[0])
    assert case["file"] in text and (case["row"] is None or f"row {case['row']}" in text)
    for other in case.get("also", []):
        file = other.get("file", case["file"])
        assert _matching(preview.problems, file, other["row"], other["column"], other["rule"]), (slug, other, shown)
    if "count" in case:
        assert len(preview.problems) == case["count"], (slug, shown)
    if "note" in case:
        assert any(case["note"] in note for note in preview.notes), (slug, preview.notes)

    assert_nothing_written(preview, store, temp_store_url)


@pytest.mark.parametrize("slug", ["json-unknown-key", "json-not-object"])
def test_bundle_shape_messages_name_each_key_once(slug, mini_dir, temp_store_url):
    store = Store(temp_store_url)
    preview = preview_import(_files(slug), store, mini_dir)
    [problem] = [p for p in preview.problems if "source, sources, actors" in p.rule]
    keys = problem.rule[problem.rule.index("format, comment") :].split(", ")
    assert keys == ["format", "comment", "source", "sources", *RECORD_TABLES[1:]], problem.rule
    assert_nothing_written(preview, store, temp_store_url)
