"""Every page and section draws the same thing from answers remembered per selection (parley.recent) as from
answers built afresh: element by element, what the browser is sent is identical."""

from __future__ import annotations

from datetime import timedelta

import pytest

from benchmarks.payload import walk
from components.filters import K_PARTY
from parley.recent import forget_selections, selections_held
from tests.app.conftest import VISIT_IDS, VISITS, assert_clean

DATES = "filters.dates"
NARROW, WIDE = ["RUS", "UKR", "USA", "TUR"], []


# A download's file is registered anew on every run, under a new id, whatever the page: not part of what is drawn.
PER_RUN_FIELDS = ("deferred_file_id", "url")


def _sent(at) -> list[tuple[str, bytes]]:
    """Each element the run sends, in order, as its type and protobuf bytes."""
    out = []
    for node in walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "SerializeToString"):
            continue
        kind = str(getattr(node, "type", "") or type(node).__name__)
        if kind == "download_button":
            copy = type(proto)()
            copy.CopyFrom(proto)
            for name in PER_RUN_FIELDS:
                copy.ClearField(name)
            proto = copy
        out.append((kind, proto.SerializeToString()))
    return out


def _filter(at, parties: list[str], window: tuple, end_days_back: int) -> None:
    lo, hi = window
    at.multiselect(key=K_PARTY).set_value(parties)
    at.date_input(key=DATES).set_value((lo, hi - timedelta(days=end_days_back)))


SEARCH = next(page for page, _ in VISITS if page.url_path == "search")
CASES = [(page, section, None) for page, section in VISITS] + [(SEARCH, None, "ceasefire")]
CASE_IDS = [*VISIT_IDS, "search-with-words"]


@pytest.mark.parametrize(("page", "section", "words"), CASES, ids=CASE_IDS)
def test_remembered_answers_draw_what_fresh_ones_draw(page, section, words, on_bundled):
    at = on_bundled(page, {"q": [words]} if words else None, section=section)
    assert_clean(at)
    window = at.date_input(key=DATES).value
    for parties in (NARROW, WIDE):
        other = WIDE if parties == NARROW else NARROW
        runs = []
        # The same walk, away to other filters and back, three times: twice with nothing remembered before any run,
        # then with what the runs before remembered. The first walk only brings widgets that keep a choice (a plan
        # picked, a "since" option) to the state the two compared walks both start from.
        for remember in (False, False, True):
            walk_runs = []
            for chosen, back in ((other, 30), (parties, 1)):
                _filter(at, chosen, window, back)
                if not remember:
                    forget_selections()
                at.run()
                assert_clean(at)
                walk_runs.append(_sent(at))
            runs.append(walk_runs)
        _, fresh_walk, remembered_walk = runs
        for step, (fresh, remembered) in enumerate(zip(fresh_walk, remembered_walk, strict=True)):
            assert [kind for kind, _ in remembered] == [kind for kind, _ in fresh]
            changed = [kind for (kind, a), (_, b) in zip(fresh, remembered, strict=True) if a != b]
            assert not changed, (page.url_path, section, parties, step, changed)
    if page.url_path in {"overview", "positions", "reactions", "timeline", "sources"}:
        assert selections_held() > 0  # these pages do remember answers: the comparison above is not vacuous
