"""The Sources page lists exactly the cited sources, in the order and with the record lists the full table gives."""

from __future__ import annotations

from components.registry import PAGES
from parley.aggregate import sources_by_use
from parley.filters import Filters, sources_cited_by
from parley.record_links import id_link_cells
from parley.views import apply_view
from tests.app.conftest import assert_clean

SOURCES = next(p for p in PAGES if p.url_path == "sources")


def _shown(at):
    return next(t.value for t in at.dataframe if "Supports" in t.value.columns)


def test_the_table_is_the_cited_sources_sorted_and_listed_from_the_full_table(on_bundled, bundled):
    for parties in ([], ["RUS"]):
        at = on_bundled(SOURCES, {"party": parties} if parties else None)
        assert_clean(at)
        view = apply_view(bundled, Filters(parties=tuple(parties)))
        cited = sources_cited_by(bundled.sources, view.talks, view.items, view.positions, view.reactions)
        expected = cited.sort_values(["n_records", "outlet"], ascending=[False, True])
        expected = expected.sort_values("published", ascending=False, kind="stable", na_position="last")
        got = _shown(at)
        head = expected.head(len(got))
        assert got["Id"].tolist() == id_link_cells(head["source_id"])
        # The first record and how many more the shortened list names ("+9 more" for a source behind hundreds).
        assert got["Supports"].tolist() == id_link_cells(head["records"])
        assert got["Records"].tolist() == head["n_records"].tolist()
        assert len(got) == min(len(expected), 500)
    assert len(_shown(on_bundled(SOURCES, {"party": ["RUS"]}))) < len(_shown(on_bundled(SOURCES)))


def test_the_sorted_table_is_built_once_per_dataset_and_left_unchanged(bundled):
    first = sources_by_use(bundled.sources)
    assert sources_by_use(bundled.sources) is first
    before = first.copy()
    view = apply_view(bundled, Filters(parties=("UKR",)))
    sources_cited_by(first, view.talks, view.items, view.positions, view.reactions)
    assert first.equals(before)
    assert sorted(first["source_id"]) == sorted(bundled.sources["source_id"])
