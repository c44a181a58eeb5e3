"""Reading one JSON article bundle: its shape (keys, lists of records, one source for the whole bundle), JSON values
turned into the CSV text the rest of the import checks, and the source id convention.

Separate from the CSV reader because a bundle is typed JSON (numbers, booleans, lists) with its own limits and
wrong-type rules; what comes out is the same `Part` per table.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from parley import schema as s
from parley.import_csv import Part
from parley.validation import Problem, escaped

MAX_JSON_KEYS = 1000  # per JSON object
BUNDLE_FORMAT = "parley-article-bundle/1"
BUNDLE_LISTS = s.RECORD_TABLES  # keys whose value is a list of records (sources first)
BUNDLE_KEYS = ("format", "comment", "source", *BUNDLE_LISTS)


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
