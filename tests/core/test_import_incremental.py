"""The import, the undo check and corrections read the checked bundled stage (loading.bundled_tables) and check the
existing data cell by cell only where imports and corrections changed it; `_classify` builds its lookups from the
existing rows that share a key or a URL with the incoming records. Everything they report must be what the full path
(every CSV read, every row checked, every existing row in the lookups) reports."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parley import loading
from parley import schema as s
from parley.corrections import commit_correction, preview_correction, read_base
from parley.import_checks import _classify, _conflict_advice, _key_columns, _origin, _Plan, _short
from parley.import_csv import Part, parse_csv
from parley.importer import CONFLICT_COLUMNS, ImportRefused, Preview, commit, preview_import, undo_batch
from parley.layers import BATCH_ID, Layers, layered
from parley.store import Correction, Store
from parley.validation import Problem
from tests.importing import csv_bytes, position
from tests.mini import S1, S2, S3, write_mini

CASES_DIR = Path(__file__).resolve().parents[1] / "import_cases"
CASES = json.loads((CASES_DIR / "cases.json").read_text(encoding="utf-8"))
AN_HOUR_AGO_NS = 3_600 * 10**9


# -- _classify against the implementation that built its lookups from every existing row --------------------------


def _classify_every_row(part: Part, layers: Layers, plan: _Plan) -> None:
    """_classify as it was before the existing rows were narrowed: dicts of every existing row (the reference)."""
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


def assert_same_classification(part: Part, layers: Layers) -> _Plan:
    expected, found = _Plan(), _Plan()
    _classify_every_row(part, layers, expected)
    _classify(part, layers, found)
    name = part.table.name
    assert found.problems == expected.problems
    assert found.new_where == expected.new_where
    for attribute in ("new", "skipped", "conflicts"):
        pd.testing.assert_frame_equal(
            getattr(found, attribute)[name], getattr(expected, attribute)[name], check_exact=True, obj=attribute
        )
    return found


def _part(table: str, rows: list[dict[str, str]]) -> Part:
    part, problems = parse_csv(f"{table}.csv", s.TABLES_BY_NAME[table], csv_bytes(table, rows))
    assert part is not None and not problems, problems
    return part


def _with_batch(table: str, rows: list[dict[str, str]], batch: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=s.TABLES_BY_NAME[table].column_names).astype(str).assign(**{BATCH_ID: batch})


@pytest.fixture(scope="module")
def mini_raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    frames, problems = loading.read_raw_tables(write_mini(tmp_path_factory.mktemp("mini-raw")))
    assert not problems
    return frames


def _row(frames: dict[str, pd.DataFrame], table: str, **match: str) -> dict[str, str]:
    frame = frames[table]
    hit = np.logical_and.reduce([frame[c].eq(v).to_numpy(dtype=bool) for c, v in match.items()])
    return {c: str(v) for c, v in frame.loc[hit].iloc[0].items()}


def test_positions_exact_duplicates_conflicts_and_a_key_held_twice(mini_raw):
    bundled_2 = _row(mini_raw, "positions", position_id="pos-0002")
    reworded = bundled_2 | {"summary": "The same statement, reworded by an import."}
    layers = layered(mini_raw, {"positions": _with_batch("positions", [reworded], "b-reworded")})
    assert (layers.frames["positions"]["position_id"] == "pos-0002").sum() == 2, "the key is held twice"
    incoming = [
        _row(mini_raw, "positions", position_id="pos-0001"),  # exact copy of a bundled row: skipped
        bundled_2,  # the key's last row is the imported one: a conflict with that batch
        reworded,  # exact copy of the imported row: skipped as that batch's
        _row(mini_raw, "positions", position_id="pos-0003") | {"stance": "reject"},  # conflict with the bundled row
        position(1),
        position(1),  # repeated within the import: both new (the table's rules report the duplicate)
        position(2, summary="x" * 80),
    ]
    found = assert_same_classification(_part("positions", incoming), layers)
    assert len(found.skipped["positions"]) == 2 and len(found.conflicts["positions"]) == 2
    assert found.conflicts["positions"]["exists in"].tolist() == ["imported batch b-reworded", "the bundled data"]
    assert len(found.new["positions"]) == 3


def _source(source_id: str, url: str, **changes: str) -> dict[str, str]:
    fields = {"outlet": "Outlet", "title": "Title", "published": "", "source_type": "wire", "reliability_notes": ""}
    return {"source_id": source_id, "url": url} | fields | changes


def test_sources_urls_already_recorded_in_the_bundled_data_in_an_import_and_earlier_in_the_file(mini_raw):
    imported = [
        _source("src-imported-1", "https://example.org/z"),
        # The same URL as a bundled source under another id: the URL's last row names this one.
        _source("src-imported-2", "https://example.org/a"),
    ]
    layers = layered(mini_raw, {"sources": _with_batch("sources", imported, "b-sources")})
    incoming = [
        _row(mini_raw, "sources", source_id=S2),  # exact duplicate: skipped
        _row(mini_raw, "sources", source_id=S3) | {"title": "Retitled"},  # conflict, whatever its URL
        _source("src-new-1", "https://example.org/a"),  # a URL held twice: the last id is named
        _source("src-new-2", "https://example.org/z"),  # the URL of an imported source
        _source("src-new-3", "https://example.org/new"),  # new
        _source("src-new-4", "https://example.org/new"),  # the URL of the row above
        _source(S1, "https://example.org/elsewhere"),  # the key before the URL: a conflict
    ]
    found = assert_same_classification(_part("sources", incoming), layers)
    urls = [p.value for p in found.problems if p.column == "url"]
    assert urls == ["https://example.org/a", "https://example.org/z", "https://example.org/new"]
    assert "src-imported-2" in found.problems[[p.column for p in found.problems].index("url")].rule
    assert found.new["sources"]["source_id"].tolist() == ["src-new-3"]


def test_participants_keyed_by_two_columns(mini_raw):
    imported = [{"talk_id": "2026-02-26-geneva", "actor_id": "RUS", "role": "party", "delegation_head_id": ""}]
    imported[0]["notes"] = ""
    layers = layered(mini_raw, {"talk_participants": _with_batch("talk_participants", imported, "b-part")})
    first = _row(mini_raw, "talk_participants", talk_id="2025-05-16-istanbul", actor_id="RUS")
    incoming = [
        first,  # exact duplicate
        _row(mini_raw, "talk_participants", talk_id="2025-05-16-istanbul", actor_id="TUR") | {"role": "observer"},
        first | {"actor_id": "FRA", "role": "observer", "delegation_head_id": ""},  # a known round, a known actor
        imported[0],  # exact duplicate of the imported row
        # Each value is in some existing key, never together: (geneva, TUR) is new.
        imported[0] | {"actor_id": "TUR", "role": "mediator"},
    ]
    found = assert_same_classification(_part("talk_participants", incoming), layers)
    assert found.skipped["talk_participants"]["exists in"].tolist() == ["the bundled data", "imported batch b-part"]
    assert found.conflicts["talk_participants"]["record"].tolist() == ["2025-05-16-istanbul/TUR"]
    assert found.new["talk_participants"]["actor_id"].tolist() == ["FRA", "TUR"]


def test_nothing_in_common_and_everything_in_common(mini_raw):
    layers = layered(mini_raw, {})
    assert_same_classification(_part("positions", [position(i) for i in range(1, 5)]), layers)
    every = [{c: str(v) for c, v in row.items()} for row in mini_raw["talk_participants"].to_dict("records")]
    found = assert_same_classification(_part("talk_participants", every), layers)
    assert len(found.skipped["talk_participants"]) == len(every)


def test_random_keys_with_many_repeats_match_the_reference():
    """Small alphabets, so keys and URLs repeat among the existing rows, the incoming ones, and across both."""
    rng = np.random.default_rng(12821)
    for table_name in ("talk_participants", "sources", "positions"):
        table = s.TABLES_BY_NAME[table_name]
        for _ in range(30):
            n_old, n_new = int(rng.integers(0, 25)), int(rng.integers(1, 12))
            pick = lambda n, k: [f"v{int(v)}" for v in rng.integers(0, k, n)]  # noqa: E731
            existing = pd.DataFrame({c: pick(n_old, 4) for c in table.column_names}, dtype="str")
            incoming = pd.DataFrame({c: pick(n_new, 4) for c in table.column_names}, dtype="str")
            n_bundled = int(rng.integers(0, n_old + 1))
            layers = Layers(
                frames={table_name: existing},
                n_bundled={table_name: n_bundled},
                batch_ids={table_name: [f"b{i}" for i in range(n_old - n_bundled)]},
            )
            part = Part(table, table.file, incoming, tuple((table.file, i + 2) for i in range(n_new)))
            assert_same_classification(part, layers)


# -- previews, undos and corrections: the checked bundled stage against every CSV read and every row checked -------


def _settled(directory: Path) -> Path:
    """Files last written an hour ago, as on a server: the cache keys them on size and mtime alone."""
    for path in directory.iterdir():
        past = os.stat(path).st_mtime_ns - AN_HOUR_AGO_NS
        os.utime(path, ns=(past, past))
    return directory


class Paths:
    """Switches between the full path (no cache folder: CSV read, every row checked) and the incremental one (the
    bundled stage read back from a warm cache folder), counting CSV reads and the rows given to the checks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, where: Path):
        self.monkeypatch, self.where = monkeypatch, where
        self.csv_reads = 0
        self.checks: list[dict[str, list[int]] | None] = []
        read, validate = loading.read_raw_tables, loading.validate_frames

        def counted_read(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.csv_reads += 1
            return read(*args, **kwargs)

        def recorded_validate(frames, progress=None, rows=None):  # type: ignore[no-untyped-def]
            self.checks.append(None if rows is None else {k: v.tolist() for k, v in rows.items()})
            return validate(frames, progress, rows)

        monkeypatch.setattr(loading, "read_raw_tables", counted_read)
        monkeypatch.setattr(loading, "validate_frames", recorded_validate)

    def full(self) -> None:
        self.monkeypatch.setenv("PARLEY_CACHE_DIR", "off")
        self.csv_reads = 0
        self.checks.clear()

    def incremental(self) -> None:
        self.monkeypatch.setenv("PARLEY_CACHE_DIR", str(self.where))
        self.csv_reads = 0
        self.checks.clear()


@pytest.fixture(scope="module")
def settled_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _settled(write_mini(tmp_path_factory.mktemp("settled") / "data"))


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settled_data: Path) -> Iterator[Paths]:
    spy = Paths(monkeypatch, tmp_path / "cache")
    spy.incremental()
    frames, problems, checked = loading.bundled_tables(settled_data)  # a miss: read, checked alone, stored
    assert not problems and checked and spy.csv_reads == 1
    spy.incremental()
    _, _, checked = loading.bundled_tables(settled_data)
    assert checked and spy.csv_reads == 0, "the next reads come from the bundled stage's entry"
    yield spy


def _talk(data: Path, talk_id: str) -> dict[str, str]:
    with (data / "talks.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    return first | {
        "talk_id": talk_id,
        "title": f"Round {talk_id}",
        "start_date": "2025-07-01",
        "end_date": "2025-07-02",
    }


def _store_with(kind: str, store: Store, data: Path) -> None:
    """A store to preview against: empty, with an import and a correction, or holding a bad row written unchecked."""
    if kind == "empty":
        return
    if kind == "imported and corrected":
        rows = [position(i) for i in range(1, 4)]
        preview = preview_import([("positions.csv", csv_bytes("positions", rows))], store, data)
        assert preview.ok, [str(p) for p in preview.problems]
        commit(preview, store, via="test")
        fix = preview_correction("positions", "pos-0001", {"stance": "reject"}, store, data)
        assert fix.ok, [str(p) for p in fix.problems]
        commit_correction(fix, store)
        return
    assert kind == "a bad row"
    bad = pd.DataFrame([position(9, date="16/05/2025")]).reindex(columns=s.POSITIONS.column_names, fill_value="")
    store.write_batch({"positions": bad}, files=("positions.csv",), via="test")


def assert_same_preview(a: Preview, b: Preview) -> None:
    assert a.problems == b.problems
    assert a.notes == b.notes
    assert a.corrections == b.corrections
    for attribute in ("new", "skipped", "conflicts"):
        x, y = getattr(a, attribute), getattr(b, attribute)
        assert set(x) == set(y), attribute
        for name in x:
            pd.testing.assert_frame_equal(x[name], y[name], check_exact=True, obj=f"{attribute}[{name}]")


def _case_files(slug: str) -> list[tuple[str, bytes]]:
    return [(name, (CASES_DIR / slug / name).read_bytes()) for name in CASES[slug]["files"]]


@pytest.mark.parametrize("kind", ["empty", "imported and corrected", "a bad row"])
def test_every_import_case_previews_the_same_on_both_paths(kind, paths, settled_data, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    paths.full()
    _store_with(kind, store, settled_data)
    for slug, case in sorted(CASES.items()):
        files = _case_files(slug)
        limit = case.get("max_bytes", 5 * 1024 * 1024)
        paths.full()
        full = preview_import(files, store, settled_data, max_bytes=limit, today=None)
        assert full._checked is False and paths.csv_reads == 1
        paths.incremental()
        incremental = preview_import(files, store, settled_data, max_bytes=limit, today=full._today)
        assert incremental._checked is True and paths.csv_reads == 0, slug
        assert all(rows is not None for rows in paths.checks), "the existing data is checked only where it changed"
        assert_same_preview(full, incremental)
        if kind == "a bad row":
            assert any(p.value == "16/05/2025" for p in incremental.problems), slug


def test_a_valid_import_previews_the_same_on_both_paths_before_and_after_its_commit(paths, settled_data, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    paths.full()
    _store_with("imported and corrected", store, settled_data)
    rows = [position(i) for i in range(10, 13)] + [position(1)]  # the last an exact duplicate of the import
    talks = [_talk(settled_data, "2025-07-01-riyadh")]
    files = [("positions.csv", csv_bytes("positions", rows)), ("talks.csv", csv_bytes("talks", talks))]
    previews = {}
    for path in ("full", "incremental", "full", "incremental"):
        getattr(paths, path)()
        previews[path] = preview_import(files, store, settled_data)
        if path == "incremental":
            assert paths.csv_reads == 0 and paths.checks and all(rows is not None for rows in paths.checks)
        if len(previews) == 2:
            full, incremental = previews["full"], previews["incremental"]
            assert_same_preview(full, incremental)
            if incremental.n_new:
                assert full.ok and full.n_new == 4 and full.n_skipped == 1
                commit(incremental, store, via="test")
                previews.clear()
    assert previews["incremental"].n_skipped == 5, "after the commit every record is there"


def _refused_undo(store: Store, batch: str, data: Path) -> list[Problem]:
    with pytest.raises(ImportRefused) as refused:
        undo_batch(store, batch, data)
    return refused.value.problems


def test_an_undo_is_refused_with_the_same_problems_and_allowed_alike(paths, settled_data, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    paths.full()
    talk = _talk(settled_data, "2025-07-01-riyadh")
    first = preview_import([("talks.csv", csv_bytes("talks", [talk]))], store, settled_data)
    talks_batch = commit(first, store, via="test").batch_id
    second = preview_import(
        [("positions.csv", csv_bytes("positions", [position(5, talk_id=talk["talk_id"])]))], store, settled_data
    )
    assert second.ok, [str(p) for p in second.problems]
    positions_batch = commit(second, store, via="test").batch_id

    paths.full()
    full = _refused_undo(store, talks_batch, settled_data)
    paths.incremental()
    incremental = _refused_undo(store, talks_batch, settled_data)
    assert paths.csv_reads == 0 and paths.checks and all(rows is not None for rows in paths.checks)
    assert incremental == full
    assert [(p.column, p.value) for p in full] == [("talk_id", talk["talk_id"])]

    undo_batch(store, positions_batch, settled_data)
    undo_batch(store, talks_batch, settled_data)
    assert store.imported_rows()["talks"].empty


def _correction(store: Store, data: Path, record: str, changes: dict[str, str]) -> tuple[tuple[Problem, ...], bool]:
    preview = preview_correction("positions", record, changes, store, data)
    return preview.problems, preview.ok


@pytest.mark.parametrize(
    ("record", "changes"),
    [
        ("pos-0001", {"talk_id": "no-such-talk"}),  # a link it breaks, with the nearest rounds suggested
        ("pos-0002", {"speaker_id": "TUR"}),  # a speaker must be a person
        ("pos-0002", {"notes": "Checked again."}),  # fine
        ("pos-00002", {"talk_id": "2025-05-16-istanbul"}),  # an imported record, fine
        ("pos-00003", {"issue_id": "ceasefire", "option_id": "no-such-option"}),
    ],
)
def test_a_correction_finds_the_same_problems_on_both_paths(record, changes, paths, settled_data, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    paths.full()
    _store_with("imported and corrected", store, settled_data)
    paths.full()
    full = _correction(store, settled_data, record, changes)
    paths.incremental()
    incremental = _correction(store, settled_data, record, changes)
    assert paths.csv_reads == 0
    assert incremental == full
    if changes == {"notes": "Checked again."}:
        assert incremental[1], "a correction breaking nothing is ok"
        row = loading.bundled_tables(settled_data)[0]["positions"]["position_id"].tolist().index(record)
        assert paths.checks[-1] is not None and row in paths.checks[-1]["positions"], "its row is checked"
    if record == "pos-0001":
        assert [(p.column, p.value) for p in full[0]] == [("talk_id", "no-such-talk")]


def test_a_correction_over_data_with_problems_is_refused_alike(paths, settled_data, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    _store_with("a bad row", store, settled_data)
    refused = []
    for path in ("full", "incremental"):
        getattr(paths, path)()
        with pytest.raises(ImportRefused) as raised:
            preview_correction("positions", "pos-0001", {"notes": "Checked again."}, store, settled_data)
        refused.append(raised.value.problems)
    assert refused[0] == refused[1]
    assert [p.value for p in refused[0]] == ["16/05/2025"]


def test_a_bad_cell_a_correction_wrote_unchecked_is_found_alike(paths, settled_data, tmp_path):
    """A correction the store holds is checked again cell by cell: its row is not an unchanged bundled row."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    fix = Correction("positions", "pos-0001", {"summary": ("", "a \x07 bell")})
    store.write_batch({}, files=(), via="test", corrections=[fix])
    refused = []
    for path in ("full", "incremental"):
        getattr(paths, path)()
        with pytest.raises(ImportRefused) as raised:  # the data holds the bad cell already: it is named
            preview_correction("positions", "pos-0002", {"talk_id": "no-such-talk"}, store, settled_data)
        refused.append(raised.value.problems)
    assert refused[0] == refused[1]
    assert [p.column for p in refused[0]] == ["summary"]


def test_a_correction_leaves_the_bundled_frames_as_they_were(paths, settled_data, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    before = loading.bundled_tables(settled_data)[0]["positions"].copy()
    base = read_base(store, settled_data)
    preview = preview_correction("positions", "pos-0002", {"notes": "Fine.", "stance": "reject"}, store, base=base)
    assert preview.ok, [str(p) for p in preview.problems]
    pd.testing.assert_frame_equal(base.bundled["positions"], before, check_exact=True)
