"""The reactions map's outlines: served to the browser from ./static, inside the spec for images."""

from pathlib import Path

from parley.aggregate import reactions_by_state
from parley.geo import iso3_to_numeric, world_topology
from parley.map_charts import OUTLINES_URL, reaction_map_chart, with_outlines

ROOT = Path(__file__).resolve().parents[2]


def test_the_served_outlines_are_the_packaged_ones():
    served = ROOT / "static" / Path(OUTLINES_URL).name
    assert OUTLINES_URL.startswith("app/static/")  # relative: a server under a path prefix serves it there
    assert served.read_bytes() == (ROOT / "parley" / "geo" / "countries-110m.json").read_bytes()


def test_static_serving_is_on():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "enableStaticServing = true" in config


def test_the_on_screen_map_names_the_file_and_the_image_carries_the_outlines(bundled):
    states = reactions_by_state(bundled.reactions, iso3_to_numeric)
    stances = bundled.labels["reaction_stance"]
    shown = reaction_map_chart(states, OUTLINES_URL, stances)
    assert shown["data"]["url"] == OUTLINES_URL and "values" not in shown["data"]
    image = with_outlines(shown, world_topology())
    assert image["data"]["values"] is world_topology() and "url" not in image["data"]
    assert image["data"]["format"] == shown["data"]["format"]
    assert shown["data"]["url"] == OUTLINES_URL  # the on-screen spec is left as it was
    inline = reaction_map_chart(states, world_topology(), stances)
    assert image == inline
