"""show_chart: a chart plus PNG and SVG downloads rendered on the server, stamped with filters and version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import altair as alt
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from components.briefing import register_chart
from parley.charts import stamped, to_spec
from parley.export import chart_png, chart_svg, file_name, for_export, stamp_lines
from parley.loading import Dataset
from parley.text import escape_markdown


def show_chart(
    chart: alt.TopLevelMixin | dict | go.Figure,
    *,
    title: str,
    page: str,
    ds: Dataset,
    filters_text: str,
    key: str,
    export: Callable[[], alt.TopLevelMixin | dict] | None = None,
    on_select: bool = False,
) -> object:
    """Draw the chart as wide as its column; `export` builds the Altair twin used for images when `chart` is a
    Plotly figure (only when an image is asked for)."""
    st.subheader(escape_markdown(title), anchor=False)
    event: object = None
    if isinstance(chart, go.Figure):
        # No Plotly toolbar: its camera button saves an image without the filters and data version, and its zoom
        # would make the screen differ from the image. The app's own buttons below are the way to download.
        config = {"displayModeBar": False, "displaylogo": False}
        kwargs: dict[str, object] = {"width": "stretch", "config": config, "key": key, "theme": None}
        if on_select:
            kwargs.update(on_select="rerun", selection_mode="points")
        event = st.plotly_chart(chart, **kwargs)
    else:
        # theme=None: the app shows the chart exactly as the exported image (fonts, colours, every axis label).
        # A plain spec, not st.altair_chart: that would validate the whole spec against the schema on every rerun.
        st.vega_lite_chart(with_arrow_rows(to_spec(chart)), width="stretch", key=key, theme=None)
    if export is not None or not isinstance(chart, go.Figure):
        register_chart(title, export if export is not None else lambda: chart, filters_text)

        def image(kind: str) -> bytes:
            # Built only when the button is clicked (download_button with a callable), never on a rerun.
            source = export() if export is not None else chart
            spec = stamped(for_export(source), title, stamp_lines(filters_text, ds.version, date.today()))
            return chart_png(spec) if kind == "png" else chart_svg(spec)

        # A horizontal container keeps both buttons readable even in a narrow column.
        row = st.container(horizontal=True)
        for kind in ("png", "svg"):
            row.download_button(
                f"{kind.upper()}",
                data=lambda kind=kind: image(kind),
                file_name=file_name(page, title, ds.version, date.today(), kind),
                mime="image/png" if kind == "png" else "image/svg+xml",
                key=f"{key}.{kind}",
                on_click="ignore",
                icon=":material/image:",
                help=f"Download this chart as {kind.upper()}, stamped with the filters and data version",
            )
    return event


def with_arrow_rows(spec: dict) -> dict:
    """The spec with its inline rows handed to Streamlit as Arrow tables (a new top-level dict: specs may be shared).

    Streamlit sends a chart's rows as Arrow; given a list of rows it builds a pandas frame first, about 1 ms per
    chart on every rerun, where pyarrow builds the same table in a twentieth of that. Rows it cannot type (mixed
    kinds in a column) are left as they are, for Streamlit's own conversion."""
    shown = dict(spec)
    data = spec.get("data")
    if isinstance(data, dict) and (table := _arrow_table(data.get("values"))) is not None:
        shown["data"] = {**data, "values": table}
    datasets = spec.get("datasets")
    if isinstance(datasets, dict):
        tables = {name: _arrow_table(rows) for name, rows in datasets.items()}
        shown["datasets"] = {name: rows if tables[name] is None else tables[name] for name, rows in datasets.items()}
    return shown


_SCALARS = (str, int, float, bool, type(None))


def _arrow_table(rows: object) -> pa.Table | None:
    """A list of flat row dicts as one Arrow table, columns in order of first appearance; None for anything else
    (GeoJSON features and map outlines stay in the spec, where Vega-Lite reads them)."""
    if not isinstance(rows, list) or not rows or not all(type(row) is dict for row in rows):
        return None
    first = rows[0]
    if "geometry" in first or first.get("type") == "Feature" or not all(type(v) in _SCALARS for v in first.values()):
        return None
    names = list(dict.fromkeys(name for row in rows for name in row))
    try:
        return pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in names})
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
