"""A broken data file is reported with file, row, column and rule — every problem, no traceback."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from parley import schema as s
from parley.loading import DEFAULT_DATA_DIR, load_dataset, read_raw_tables
from parley.validation import DATE_RULE, DataValidationError, Problem, date_rule, validate_actor_types
from tests.mini import TABLES, write_mini


def _with(table: str, row: int, **changes: str) -> dict[str, list[dict[str, str]]]:
    rows = copy.deepcopy(TABLES[table])
    rows[row].update(changes)
    return {table: rows}


def _problems(tmp_path: Path, overrides: dict[str, list[dict[str, str]]]) -> list[Problem]:
    write_mini(tmp_path, overrides)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    return info.value.problems


CASES = [
    # (table, row index, changes, file, spreadsheet row, column, words in the rule)
    ("positions", 1, {"date": "2025-02-30"}, "positions.csv", 3, "date", "real date"),
    ("positions", 0, {"stance": "maybe"}, "positions.csv", 2, "stance", "position_stance"),
    ("positions", 2, {"issue_id": "weather"}, "positions.csv", 4, "issue_id", "issues.csv"),
    ("positions", 1, {"source_ids": ""}, "positions.csv", 3, "source_ids", "required"),
    ("positions", 1, {"source_ids": "src-missing"}, "positions.csv", 3, "source_ids", "unknown id"),
    ("positions", 3, {"actor_id": "ATLANTIS"}, "positions.csv", 5, "actor_id", "unknown id"),
    ("positions", 0, {"disputed": "maybe"}, "positions.csv", 2, "disputed", "true or false"),
    ("positions", 1, {"position_id": "pos-0001"}, "positions.csv", 3, "position_id", "duplicate id"),
    ("reactions", 0, {"talk_id": "1999-01-01-nowhere"}, "reactions.csv", 2, "talk_id", "unknown id"),
    ("talks", 0, {"end_date": "2025-05-15"}, "talks.csv", 2, "end_date", "before start date"),
    ("talks", 1, {"country_iso3": "XXX"}, "talks.csv", 3, "country_iso3", "ISO 3166"),
    ("talks", 2, {"format": "picnic"}, "talks.csv", 4, "format", "talk_format"),
    ("sources", 1, {"url": "not a url"}, "sources.csv", 3, "url", "URL"),
    ("agreed_items", 0, {"quantity": "a thousand"}, "agreed_items.csv", 2, "quantity", "whole number"),
    (
        "talk_participants",
        1,
        {"actor_id": "RUS", "talk_id": "2025-05-16-istanbul"},
        "talk_participants.csv",
        3,
        "talk_id, actor_id",
        "duplicate row",
    ),
    ("positions", 0, {"option_id": "ceasefire.partial"}, "positions.csv", 2, "option_id", "ceasefire, not territory"),
    ("positions", 1, {"option_id": "ceasefire.never"}, "positions.csv", 3, "option_id", "unknown option"),
    ("positions", 1, {"option_id": "ceasefire.partial\u200b"}, "positions.csv", 3, "option_id", "invisible"),
    ("issue_options", 1, {"rank": "1"}, "issue_options.csv", 3, "issue_id, rank", "duplicate row"),
    ("issue_options", 2, {"rank": "4"}, "issue_options.csv", 4, "rank", "from 1 to 3 without gaps"),
    ("issue_options", 0, {"rank": "0"}, "issue_options.csv", 2, "rank", "from 1 to 3 without gaps"),
    ("issue_options", 1, {"rank": "second"}, "issue_options.csv", 3, "rank", "whole number"),
    ("issue_options", 0, {"issue_id": "weather"}, "issue_options.csv", 2, "issue_id", "issues.csv"),
    (
        "issue_options",
        2,
        {"option_id": "ceasefire.unconditional_first"},
        "issue_options.csv",
        4,
        "option_id",
        "duplicate",
    ),
    ("issue_options", 0, {"option_id": "territory.first"}, "issue_options.csv", 2, "option_id", "issue id, a dot"),
    ("issue_options", 1, {"label": "Ceasefire first"}, "issue_options.csv", 3, "label", "different labels"),
]


@pytest.mark.parametrize(("table", "index", "changes", "file", "row", "column", "rule"), CASES)
def test_problem_names_file_row_column_rule(tmp_path, table, index, changes, file, row, column, rule):
    problems = _problems(tmp_path, _with(table, index, **changes))
    matching = [p for p in problems if p.file == file and p.row == row and p.column == column and rule in p.rule]
    assert matching, f"expected {file} row {row} column {column} '{rule}', got {[str(p) for p in problems]}"
    text = str(matching[0])
    assert file in text and f"row {row}" in text and column in text


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    rows = copy.deepcopy(TABLES["positions"])
    rows[0]["stance"] = "maybe"
    rows[2]["date"] = "yesterday"
    problems = _problems(tmp_path, {"positions": rows})
    assert {(p.row, p.column) for p in problems} >= {(2, "stance"), (4, "date")}


def test_missing_and_unexpected_columns(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "confidence"} | {"mood": "x"} for r in TABLES["reactions"]]
    problems = _problems(tmp_path, {"reactions": rows})
    rules = {(p.file, p.column, p.rule.split(";")[0]) for p in problems}
    assert ("reactions.csv", "confidence", "required column is missing") in rules
    assert ("reactions.csv", "mood", "unexpected column") in rules


@pytest.mark.parametrize(
    ("content", "rule"),
    [(b"", "file is empty"), (b"\xff\xfe\x00bad", "not UTF-8"), (b'a,b\n"unclosed,1\n', "not a valid CSV")],
)
def test_unreadable_file(tmp_path, content, rule):
    write_mini(tmp_path)
    (tmp_path / "reactions.csv").write_bytes(content)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    assert any(p.file == "reactions.csv" and rule in p.rule for p in info.value.problems), info.value.problems


def test_missing_file(tmp_path):
    write_mini(tmp_path)
    (tmp_path / "talks.csv").unlink()
    with pytest.raises(DataValidationError) as info:
        load_dataset(tmp_path)
    assert [p.file for p in info.value.problems] == ["talks.csv"]
    assert "missing" in info.value.problems[0].rule


def test_valid_mini_dataset_loads_with_types(mini):
    assert str(mini.positions["date"].dtype).startswith("datetime64")
    assert mini.positions["stance"].dtype.name == "category"
    assert mini.positions["disputed"].dtype == bool
    assert mini.items["quantity"].tolist() == [1000, 6000]


def test_a_gap_in_ranks_names_each_row_outside_the_scale(tmp_path):
    rows = copy.deepcopy(TABLES["issue_options"])
    rows[1]["rank"], rows[2]["rank"] = "5", "7"  # ranks 1, 5, 7: rows 3 and 4 lie beyond 3 options
    problems = _problems(tmp_path, {"issue_options": rows})
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("issue_options.csv", 3, "rank", "5"),
        ("issue_options.csv", 4, "rank", "7"),
    ]
    assert "issue 'ceasefire' has 3 option(s)" in problems[0].rule


def test_a_second_issue_with_its_own_ranks_is_no_gap(tmp_path):
    extra = {
        "issue_id": "territory",
        "option_id": "territory.freeze_line",
        "rank": "1",
        "label": "Ceasefire first",  # the same label as another issue's option is fine
        "definition": "Fighting stops on the current line.",
        "example": "Both armies stay where they are.",
    }
    write_mini(tmp_path, {"issue_options": [*TABLES["issue_options"], extra]})
    options = load_dataset(tmp_path).issue_options
    assert options["option_id"].tolist()[-1] == "territory.freeze_line"  # territory comes after ceasefire in issues.csv


def test_scale_problems_wait_for_the_per_table_rules(tmp_path):
    rows = copy.deepcopy(TABLES["issue_options"])
    rows[2]["rank"] = "9"
    positions = copy.deepcopy(TABLES["positions"])
    positions[0]["stance"] = "maybe"
    problems = _problems(tmp_path, {"issue_options": rows, "positions": positions})
    assert [p.file for p in problems] == ["positions.csv"]


def test_an_option_from_another_issue_is_one_problem_naming_both_issues(tmp_path):
    rows = copy.deepcopy(TABLES["positions"])
    rows[0]["option_id"] = "ceasefire.partial"  # pos-0001 is on territory
    rows[2]["option_id"] = "territory.freeze_line"  # not on any scale of the mini data
    problems = _problems(tmp_path, {"positions": rows})
    assert problems == [
        Problem("positions.csv", 2, "option_id", "ceasefire.partial", problems[0].rule),
        Problem("positions.csv", 4, "option_id", "territory.freeze_line", "unknown option: not in issue_options.csv"),
    ]
    assert problems[0].rule.startswith("option ceasefire.partial is on the scale of ceasefire, not territory")


def test_an_empty_option_is_allowed_and_a_given_one_brings_its_label_and_rank(mini):
    positions = mini.positions.set_index("position_id")
    assert positions.loc["pos-0002", ["option_id", "option_label", "option_rank"]].tolist() == [
        "ceasefire.unconditional_first",
        "Ceasefire first",
        1,
    ]
    assert positions.loc["pos-0001", ["option_id", "option_label"]].tolist() == ["", ""]
    assert pd.isna(positions.loc["pos-0001", "option_rank"])
    assert positions["option_rank"].dtype == "Int64" and positions["option_label"].dtype == "category"


# -- actor kinds and spreadsheet dates ----------------------------------------------------------------------------


def test_the_bundled_data_names_parties_and_speakers_of_the_right_kind():
    frames, problems = read_raw_tables(DEFAULT_DATA_DIR)
    assert not problems
    assert validate_actor_types(frames) == []
    named = {
        (table, column)
        for (table, column) in s.ACTOR_TYPES
        if table in frames and frames[table][column].astype(str).str.len().gt(0).any()
    }
    assert named == set(s.ACTOR_TYPES)  # every rule is exercised by the data, none holds vacuously


def test_a_person_as_party_and_a_state_as_speaker_are_named_with_their_kind():
    frames = {name: pd.DataFrame(rows, dtype=str) for name, rows in TABLES.items()}
    frames["positions"].loc[0, "actor_id"] = "rustem_umerov"
    frames["reactions"].loc[1, "speaker_id"] = "UN"
    found = {(p.file, p.row, p.column, p.value): p.rule for p in validate_actor_types(frames)}
    assert found == {
        ("positions.csv", 2, "actor_id", "rustem_umerov"): "actor_id must name a party: a state, organisation or "
        "bloc; rustem_umerov is a person (Rustem Umerov): name the state or organisation here and the person in "
        "speaker_id",
        ("reactions.csv", 3, "speaker_id", "UN"): "speaker_id must name a person; UN is an organisation (United "
        "Nations): give the person who spoke, or leave it empty",
    }


@pytest.mark.parametrize(
    "value,words",
    [
        ("25/06/2025", "this date is written day/month/year; write it as 2025-06-25"),
        ("6/25/2025", "this date is written month/day/year; write it as 2025-06-25"),
        ("25.06.2025", "write it as 2025-06-25"),
        ("06/06/2025", "write it as 2025-06-06"),
        ("03/06/2025", "write 2025-06-03 if it is day/month/year or 2025-03-06 if it is month/day/year"),
    ],
)
def test_a_spreadsheet_date_is_refused_with_the_date_to_write(value, words):
    rule = date_rule(value)
    assert rule.startswith(DATE_RULE) and words in rule
    assert "format the column as yyyy-mm-dd" in rule


@pytest.mark.parametrize("value", ["2025-02-30", "31/31/2025", "June 3", "2025/06/03"])
def test_other_bad_dates_get_the_plain_rule(value):
    assert date_rule(value) == DATE_RULE
