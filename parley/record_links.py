"""Links to record pages from table cells: which columns hold ids, the cell a LinkColumn opens and shows, and the
only addresses that may ever be links out of the app (http and https)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import pandas as pd

from parley import schema as s
from parley.digest import PLAIN_ID, record_link
from parley.text import ELLIPSIS

SAFE_SCHEMES = ("http", "https")

# Columns that hold record ids (one or a ';' list), linked to their records wherever a table shows them, and
# columns of names linked through the id column beside them. A table adds its own (components.tables.show_table's
# `links`).
ID_COLUMNS = (
    "talk_id",
    "position_id",
    "reaction_id",
    "item_id",
    "event_id",
    "source_id",
    "check_id",
    "actor_id",
    "plan_id",
    "provision_id",
    "source_ids",
    "records",
    "record_ids",
    "check_source_ids",
)
AUTO_LINKS: dict[str, str] = {**{c: c for c in ID_COLUMNS}, "talk_title": "talk_id", "plan_title": "plan_id"}


def text(value: object) -> str:
    """A cell as display text: '' for a missing value (never 'None' or 'nan')."""
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return ""
    return str(value).strip()


def split_ids(cell: object) -> list[str]:
    """The ids in a ';'-separated cell, in order, once each (a shortened list's trailing ellipsis dropped)."""
    parts = (p.strip().removesuffix(ELLIPSIS).strip() for p in text(cell).split(s.LIST_SEP))
    return list(dict.fromkeys(p for p in parts if p))


def safe_href(url: object) -> str | None:
    """The address if it may be a link (http or https with a host and no spaces or control characters), else None."""
    return _safe_href(text(url))


_NOT_IN_LINK = re.compile(r"[\s\x00-\x1f\x7f]")  # \s is Unicode whitespace here, as str.isspace()
CELLS_CACHED = 65_536  # table cells are re-drawn on every rerun: each distinct cell is worked out once


@lru_cache(maxsize=CELLS_CACHED)
def _safe_href(value: str) -> str | None:
    if not value or _NOT_IN_LINK.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def link_cell(record_id: object, label: object = None) -> str | None:
    """A table cell for a LinkColumn: the record's address; the text to show rides after '#' (see LINK_DISPLAY)."""
    return _link_cell(text(record_id), text(label))


@lru_cache(maxsize=CELLS_CACHED)
def _link_cell(record_id: str, label: str) -> str | None:
    ids = split_ids(record_id)
    if not ids:
        return None
    shown = label or ids[0]
    if len(ids) > 1:
        shown = f"{shown} (+{len(ids) - 1} more)"
    return record_link(ids[0]) + "#" + quote(shown, safe="")


_PLAIN_ID = re.compile(PLAIN_ID)  # never quoted, never a list: its cell is the same text twice


def id_link_cells(ids: Iterable[object]) -> list[str]:
    """link_cell of each id ('' where there is none). A table shows hundreds of new ids on each rerun at a million
    records, each a miss of link_cell's cache: plain ones are put together without parsing or quoting."""
    plain = _PLAIN_ID.fullmatch
    return [
        f"record?id={value}#{value}" if isinstance(value, str) and plain(value) else link_cell(value) or ""
        for value in ids
    ]


# For st.column_config.LinkColumn(display_text=...): Streamlit shows the first group, URL-decoded. The part after
# '#' when there is one, else the id itself.
LINK_DISPLAY = r"(?:#|id=)([^&#]*)$"


def link_label(cell: object) -> str:
    """What a link cell shows (the reverse of link_cell's encoding), e.g. for tests and CSV-like reading."""
    value = text(cell)
    return unquote(value.split("#", 1)[1]) if "#" in value else unquote(value.partition("id=")[2])
