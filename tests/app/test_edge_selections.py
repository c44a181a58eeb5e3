"""Pages opened on selections that leave a chart with nothing to draw: a party with no state on the map, a pair of
parties with no issue in common. Each renders its empty state or an empty chart, never an error."""

from __future__ import annotations

import pytest

from components.registry import PAGES
from tests.app.conftest import assert_clean, each_section

PAGE = {p.url_path: p for p in PAGES}


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("reactions", {"party": ["EU"]}),  # an organisation: nothing to fill on the map
        ("reactions", {"party": ["EUROPE"]}),
        ("positions", {"party": ["CHN", "RUS"]}),
        ("positions", {"party": ["VAT", "RUS"]}),
    ],
)
def test_a_selection_with_nothing_to_draw_renders_clean(on_bundled, page, query):
    at = on_bundled(PAGE[page], query)
    for _ in each_section(at, PAGE[page]):
        assert_clean(at)
        assert at.title[0].value == PAGE[page].title
