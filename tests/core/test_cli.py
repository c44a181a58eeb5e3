"""`python -m parley`: import (preview, --yes, interactive y), batches, undo, export, validate; exit codes."""

from __future__ import annotations

import io
import zipfile

import pytest

from parley import __main__ as cli
from parley.importer import example_bundle
from parley.store import Store
from tests.importing import cli_env, positions_file, run_cli, sqlite_path, start_cli

CASES = "tests/import_cases"


@pytest.fixture
def env(temp_store_url, mini_dir):
    return cli_env(temp_store_url, mini_dir)


def test_problems_are_printed_with_file_row_column_and_exit_1(env, temp_store_url):
    result = run_cli("import", f"{CASES}/unknown-actor/positions.csv", "--yes", env=env)
    assert result.returncode == 1
    assert (
        "positions.csv, row 2, column 'actor_id': unknown id: not in actors.csv. A new actor can be added"
        in result.stdout
    )
    assert "(value: 'ATLANTIS')" in result.stdout
    assert "Nothing was written" in result.stdout
    assert not sqlite_path(temp_store_url).exists()


def test_without_yes_and_without_a_terminal_it_is_a_preview(env, tmp_path, temp_store_url):
    path = positions_file(tmp_path, first=1, n=3)
    result = run_cli("import", str(path), env=env, stdin="y\n")
    assert result.returncode == 0, result.stderr
    assert "positions    3" in result.stdout and "Run again with --yes to write" in result.stdout
    assert Store(temp_store_url).batches().empty


def test_import_batches_validate_export_undo(env, tmp_path, temp_store_url):
    path = positions_file(tmp_path, first=1, n=3)
    imported = run_cli("import", str(path), "--yes", env=env)
    assert imported.returncode == 0, imported.stderr
    batch_id = Store(temp_store_url).batches().loc[0, "batch_id"]
    assert f"Imported batch {batch_id}: 3 record(s) (positions 3)" in imported.stdout

    listed = run_cli("batches", env=env)
    assert listed.returncode == 0 and batch_id in listed.stdout and "active" in listed.stdout

    valid = run_cli("validate", env=env)
    assert valid.returncode == 0, valid.stderr
    assert "3 imported record(s) in 1 active import batch(es)" in valid.stdout

    out = tmp_path / "everything.zip"
    exported = run_cli("export", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(out) as archive:
        assert "pos-00003" in archive.read("positions.csv").decode()

    again = run_cli("import", str(path), "--yes", env=env)
    assert again.returncode == 0 and "Nothing new to import" in again.stdout

    undone = run_cli("undo", batch_id, env=env)
    assert undone.returncode == 0 and "removed 3 record(s)" in undone.stdout
    twice = run_cli("undo", batch_id, env=env)
    assert twice.returncode == 1 and "already undone" in twice.stderr
    assert Store(temp_store_url).imported_frames()["positions"].empty


def test_interactive_yes_writes_and_no_does_not(monkeypatch, tmp_path, temp_store_url, mini_dir, capsys):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    path = positions_file(tmp_path, first=1, n=2)
    args = ["--data-dir", str(mini_dir), "import", str(path)]
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(args) == 0
    assert "Nothing written." in capsys.readouterr().out
    assert Store(temp_store_url).batches().empty
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert cli.main(args) == 0
    assert "Imported batch" in capsys.readouterr().out
    assert Store(temp_store_url).batches()["n_records"].tolist() == [2]


def test_a_file_over_the_cap_is_refused_without_reading_it_all(env, tmp_path):
    path = tmp_path / "positions.csv"
    path.write_bytes(b"position_id\n" + b"x" * (6 * 1024 * 1024))
    result = run_cli("import", str(path), env=env)
    assert result.returncode == 1 and "file is too large: the limit is 5.0 MB per file" in result.stdout


def test_missing_file_and_usage_errors(env):
    assert run_cli("import", "no/such/file.csv", env=env).returncode == 1
    assert run_cli("import", env=env).returncode == 2
    assert run_cli("frobnicate", env=env).returncode == 2


def test_a_json_bundle_from_the_command_line(tmp_path, temp_store_url):
    path = tmp_path / "article.json"
    path.write_bytes(example_bundle())
    result = run_cli("import", str(path), "--yes", env=cli_env(temp_store_url, tmp_path / "unused"))
    assert result.returncode == 1  # a data folder without files: the bundled data does not load
    result = run_cli("--data-dir", "data", "import", str(path), "--yes", env=cli_env(temp_store_url, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "New talk_participants: 2026-04-15-istanbul-example/RUS" in result.stdout


def test_validate_fails_on_broken_data(tmp_path, temp_store_url):
    broken = tmp_path / "data"
    broken.mkdir()
    result = run_cli("validate", env=cli_env(temp_store_url, broken))
    assert result.returncode == 1 and "file is missing" in result.stderr


def test_the_import_formats_are_documented():
    from parley.importer import BUNDLE_FORMAT, BUNDLE_KEYS
    from parley.schema import RECORD_TABLES
    from parley.store import BUSY_TIMEOUT_ENV, STORE_URL_ENV
    from tests.importing import REPO

    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing new records", 1)[1]
    for word in (BUNDLE_FORMAT, STORE_URL_ENV, BUSY_TIMEOUT_ENV, "5 MB", *RECORD_TABLES, *BUNDLE_KEYS):
        assert word in section, word
    for command in cli.COMMANDS:
        assert f"python -m parley {command}" in section, command


# -- nothing from a file or a user reaches the terminal raw ---------------------------------------------------------

ESC = "\x1b[2J"  # clears the screen when printed raw


def _no_raw_controls(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text, text


def test_a_file_name_with_an_escape_sequence_is_printed_escaped(tmp_path, mini_dir, capsys):
    path = positions_file(tmp_path, first=1, n=1, name=f"positions{ESC}.csv")
    assert cli.main(["--data-dir", str(mini_dir), "import", str(path)]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    assert "positions\\x1b[2J.csv" in out


def test_an_id_with_an_escape_sequence_is_printed_escaped(tmp_path, mini_dir, capsys):
    path = positions_file(tmp_path, first=1, n=1, position_id=f"pos-{ESC}1")
    assert cli.main(["--data-dir", str(mini_dir), "import", str(path)]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    assert "column 'position_id'" in out and "pos-\\x1b[2J1" in out and "U+001B (escape)" in out


def test_a_missing_file_and_an_unknown_batch_id_are_printed_escaped(tmp_path, mini_dir, capsys):
    assert cli.main(["--data-dir", str(mini_dir), "import", str(tmp_path / f"gone{ESC}\x07.csv")]) == 1
    assert cli.main(["--data-dir", str(mini_dir), "undo", f"batch{ESC}"]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    assert "gone\\x1b[2J\\x07.csv" in err and "batch\\x1b[2J" in err


def test_a_batch_listing_escapes_stored_file_names(temp_store_url, mini_dir, capsys):
    import pandas as pd

    from tests.importing import csv_bytes, position

    store = Store(temp_store_url)
    frame = pd.read_csv(io.BytesIO(csv_bytes("positions", [position(1)])), dtype=str, keep_default_na=False)
    store.write_batch({"positions": frame}, files=[f"old{ESC}.csv"], via="test")
    assert cli.main(["--data-dir", str(mini_dir), "batches"]) == 0
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    assert "old\\x1b[2J.csv" in out


def test_a_usage_error_is_printed_escaped(capsys):
    with pytest.raises(SystemExit):
        cli.main([f"frob{ESC}"])
    out, err = capsys.readouterr()
    _no_raw_controls(out + err)
    assert "frob\\x1b[2J" in err


def test_a_reader_that_goes_away_ends_the_command_without_a_traceback(env):
    """`python -m parley batches | head`: the pipe is closed before the command writes."""
    proc = start_cli("batches", env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # closed before the child has even started writing
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141
