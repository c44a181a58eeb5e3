"""Hostile records: every free-text field of the bundled data, and of one imported article, starts with markup.

Markdown, colour syntax, icon and emoji shortcodes, LaTeX, bare links, an image link whose address is a tracking
beacon off the machine, and HTML: if any of it is interpreted anywhere, a test sees formatting or a request leave.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from parley import schema as s
from parley.importer import commit, example_bundle, preview_import
from parley.loading import DEFAULT_DATA_DIR
from parley.store import Store

BEACON_HOST = "10.255.255.1"
HOSTILE = (
    f"**B** :red[c] :material/home: :smile: $x^2$ https://evil.example/a www.evil.example "
    f"![i](http://{BEACON_HOST}/b.png) <img src=x onerror=alert(1)> "
)
# The markup as written: found unescaped in text handed to a Markdown element, it would be interpreted.
RAW_FORMS = ("**B**", ":red[", ":material/home:", "$x^2$", "https://evil", "www.evil", "![i](", "<img")


def unescaped_markup(markdown: str) -> list[str]:
    """The hostile forms that a Markdown element would interpret in this text (none when properly escaped)."""
    return [raw for raw in RAW_FORMS if re.search(r"(?<!\\)" + re.escape(raw), markdown)]


HOSTILE_TALK = "2026-04-15-istanbul-example"


def _text_columns(table: s.Table) -> set[str]:
    """Free-text columns; codebook schemes and codes are symbols that other tables refer to."""
    return {c.name for c in table.columns if c.kind == s.TEXT and c.chars != s.SYMBOL}


def write_hostile_data(target: Path) -> Path:
    """The bundled data with every non-empty free-text cell prefixed by HOSTILE."""
    target.mkdir(parents=True, exist_ok=True)
    for path in DEFAULT_DATA_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    for table in s.TABLES:
        text = _text_columns(table)
        path = target / table.file
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for column in text & row.keys():
                if row[column]:
                    row[column] = HOSTILE + row[column]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.column_names)
            writer.writeheader()
            writer.writerows(rows)
    return target


def hostile_bundle() -> bytes:
    """The Import page's example article with HOSTILE before every free-text value."""
    bundle = json.loads(example_bundle())
    for name, records in list(bundle.items()):
        table = s.TABLES_BY_NAME.get("sources" if name == "source" else name)
        if table is None:
            continue
        text = _text_columns(table)
        for record in [records] if isinstance(records, dict) else records:
            for column in text & record.keys():
                record[column] = HOSTILE + str(record[column] or "text")
    return json.dumps(bundle).encode("utf-8")


def import_hostile_bundle(store_url: str, data_dir: Path) -> None:
    """Write the hostile article into a store through the real importer, as an analyst's upload would."""
    store = Store(store_url)
    preview = preview_import([("hostile.json", hostile_bundle())], store, data_dir)
    assert not preview.problems, [str(p) for p in preview.problems]
    commit(preview, store, via="test")
    store.dispose()
