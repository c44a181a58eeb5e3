"""What a page sends to the browser stays bounded when the record grows: checked at 100x today's data.

Not a timing: counts that do not depend on the machine. Every chart carries at most MAX_CHART_ROWS data rows
(aggregate before charting), and no run of a page (first render, or a rerun after a filter change) sends more than
MAX_BYTES. Streamlit sends every element again on each rerun, so the sum of the elements' protobuf sizes is what the
browser receives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks.payload import measure
from benchmarks.scaled import write_dataset
from components.data import DATA_DIR_ENV
from components.filters import K_PARTY
from components.registry import ROOT
from components.sections import P_VIEW, section_key
from tests.app.conftest import APP, VISIT_IDS, VISITS, assert_clean

MAX_CHART_ROWS = 5_000
MAX_BYTES = 1_000_000
FACTOR = 100  # 7,800 positions, 3,000 reactions, ~300 talks: large enough that anything sent per row shows
# Each rerun changes the party filter: narrowed to the main parties, then widened back to all.
STEPS: tuple[tuple[str, list[str] | None], ...] = (
    ("first render", None),
    ("party filter narrowed", ["RUS", "UKR", "USA", "TUR"]),
    ("filter widened", []),
)


@pytest.fixture(scope="module")
def scaled_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp(f"scaled-{FACTOR}x")
    write_dataset(FACTOR, directory)
    return directory


def _largest(by_type: dict[str, int]) -> str:
    ranked = sorted(by_type.items(), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{kind} {size:,} B" for kind, size in ranked)


# A page draws only its open section: each section is checked as a page of its own.
@pytest.mark.parametrize(("page", "section"), VISITS, ids=VISIT_IDS)
def test_page_sends_bounded_payload_at_100x(page, section, scaled_dir, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(scaled_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    if section:
        at.session_state[section_key(page)] = dict(page.sections)[section]
    at.switch_page(str(ROOT / page.path))  # a fresh session opening the page's URL
    problems = []
    for step, parties in STEPS:
        if parties is not None:
            at.multiselect(key=K_PARTY).set_value(parties)
        at.run()
        assert_clean(at)
        assert at.title[0].value == page.title
        if section:
            assert at.query_params.get(P_VIEW, page.sections[0][0]) == section  # the section asked for is open
        payload = measure(at._tree)
        if payload.total > MAX_BYTES:
            problems.append(
                f"{step}: sends {payload.total:,} bytes (limit {MAX_BYTES:,}; {payload.total / MAX_BYTES:.1f}x); "
                f"largest: {_largest(payload.by_type)}"
            )
        problems += [
            f"{step}: a {chart.type} carries {chart.rows:,} data rows (limit {MAX_CHART_ROWS:,})"
            for chart in payload.charts
            if chart.rows > MAX_CHART_ROWS
        ]
    assert not problems, f"{page.url_path} at {FACTOR}x:\n" + "\n".join(problems)
