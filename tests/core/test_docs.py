"""Every data column is documented in data/README.md, under its own table's heading."""

from __future__ import annotations

import csv
import re

import pytest

from parley import schema as s
from parley.loading import DEFAULT_DATA_DIR

README = (DEFAULT_DATA_DIR / "README.md").read_text(encoding="utf-8")


def _section(table: s.Table) -> str:
    match = re.search(rf"^## `{re.escape(table.file)}`.*?(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"data/README.md has no section headed `{table.file}`"
    return match.group(0)


@pytest.mark.parametrize("table", s.TABLES, ids=lambda t: t.name)
def test_every_column_is_documented(table):
    section = _section(table)
    documented = [c for c in re.findall(r"^\| ([a-z_0-9]+) \|", section, flags=re.M) if c != "column"]
    assert documented == table.column_names, f"{table.file}: documented {documented}, schema {table.column_names}"


@pytest.mark.parametrize("table", s.TABLES, ids=lambda t: t.name)
def test_bundled_files_have_exactly_the_documented_columns(table):
    with (DEFAULT_DATA_DIR / table.file).open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == table.column_names
