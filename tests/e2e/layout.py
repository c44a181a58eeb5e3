"""Measuring the charts a page has drawn in Chromium: their boxes, legends, texts and axes, read from the DOM.

Streamlit 1.67 draws Vega-Lite charts through vega-embed, whose default renderer is SVG; it switches a chart to
canvas only when one of its marks draws more than 2,000 rows (a canvas cannot be measured from the DOM, so
`measure_charts` reports the renderer and the tests fail on a canvas chart instead of passing it unmeasured).
Plotly always draws these charts (scatter traces, not WebGL) as SVG.

What the page reports, per chart: its box (the Streamlit element, cut to the main pane's visible width), every legend
box, every visible text with its four corners on screen (rotated labels stay rotated boxes, not their much larger
upright bounding boxes), and every axis with its tick labels and its kind:
- time: Vega describes an axis on a time scale as "... for a time scale ..." in its aria-label; Plotly's date axes
  are those whose layout says `type: "date"`;
- count: the chart builders mark a count axis in its description (parley.charts.COUNT_AXIS_NOTE), which Vega
  writes into the axis's aria-label. A mark in the spec, not a guess from the axis title: a title can change with
  the page ("Statements", "Reactions", "Commitments") while the mark travels with the axis.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from playwright.sync_api import Page

from parley.charts import COUNT_AXIS_NOTE

CHARTS = '[data-testid="stVegaLiteChart"], [data-testid="stPlotlyChart"]'
POLL_MS = 200  # between two readings of the charts while they settle
TOLERANCE = 1.0  # pixels: two texts may overlap, or a box reach past its chart, by this much (font metrics differ)

MEASURE = """
([countNote]) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const mainBox = main.getBoundingClientRect();
  const paneLeft = mainBox.left, paneRight = mainBox.left + main.clientWidth;
  const headings = [...document.querySelectorAll('[data-testid="stHeading"]')];
  const rect = (r) => [r.left, r.top, r.right, r.bottom];

  function visible(node, root) {
    if (!node.textContent.trim() || node.getClientRects().length === 0) return false;
    let opacity = 1;
    for (let n = node; n && n !== root.parentNode; n = n.parentNode) {
      if (n.nodeType !== 1) continue;
      const style = getComputedStyle(n);
      if (style.display === 'none' || style.visibility === 'hidden') return false;
      opacity *= parseFloat(style.opacity);
    }
    const style = getComputedStyle(node);
    opacity *= parseFloat(style.fillOpacity);
    return opacity > 0.05 && style.fill !== 'none';
  }

  // The four corners of a text's own box on screen: a rotated label keeps its rotation.
  function corners(node) {
    const b = node.getBBox(), m = node.getScreenCTM();
    if (!m) return null;
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]].map(
      ([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  }

  function texts(root, skip) {
    const out = [];
    for (const node of root.querySelectorAll('text')) {
      if ((skip && node.closest(skip)) || !visible(node, root)) continue;
      const quad = corners(node);
      if (!quad) continue;
      const group = node.closest('g[class*="role-"], g[class*="layer"], g[class*="legend"], g[class*="tick"]');
      out.push({text: node.textContent.trim(), quad, part: group ? group.getAttribute('class') : ''});
    }
    return out;
  }

  function title(el) {
    let name = '';
    for (const h of headings) {
      if (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) name = h.textContent.trim();
    }
    return name;
  }

  function vegaAxes(el) {
    return [...el.querySelectorAll('g[aria-roledescription="axis"]')].map((axis) => {
      const label = axis.getAttribute('aria-label') || '';
      const kind = label.includes(countNote) ? 'count' : / for a time scale/.test(label) ? 'time' : 'other';
      const ticks = [...axis.querySelectorAll('g.role-axis-label text')].filter((t) => visible(t, axis));
      return {label, kind, ticks: ticks.map((t) => t.textContent.trim())};
    });
  }

  function plotlyAxes(el) {
    const gd = el.querySelector('.js-plotly-plot');
    const layout = (gd && gd.layout) || {};
    return Object.keys(layout).filter((k) => /^[xy]axis\\d*$/.test(k)).map((key) => {
      const id = key.replace('axis', '');
      const ticks = [...el.querySelectorAll(`g.${id}tick text`)].filter((t) => visible(t, el));
      const kind = layout[key].type === 'date' ? 'time' : 'other';
      return {label: key, kind, ticks: ticks.map((t) => t.textContent.trim())};
    });
  }

  const charts = [];
  for (const el of document.querySelectorAll(%CHARTS%)) {
    const r = el.getBoundingClientRect();
    const plotly = el.dataset.testid === 'stPlotlyChart';
    // Shown unless inside something hidden (a tab not open); a chart shown with no width or height is a fault.
    const chart = {name: title(el), kind: plotly ? 'plotly' : 'vega', shown: el.checkVisibility(),
                   box: [Math.max(r.left, paneLeft), r.top, Math.min(r.right, paneRight), r.bottom],
                   drawn: false, canvas: el.querySelectorAll('canvas').length > 0 && !plotly,
                   legends: [], texts: [], axes: []};
    charts.push(chart);
    if (!chart.shown || r.width === 0 || r.height === 0) continue;
    if (plotly) {
      chart.drawn = !!el.querySelector('svg.main-svg');
      chart.legends = [...el.querySelectorAll('g.legend')].map((g) => rect(g.getBoundingClientRect()));
      chart.texts = texts(el, '.hoverlayer');
      chart.axes = plotlyAxes(el);
    } else {
      const svg = el.querySelector('svg.marks');
      chart.drawn = !!svg || chart.canvas;
      if (!svg) continue;
      chart.legends = [...svg.querySelectorAll('g.role-legend')].map((g) => rect(g.getBoundingClientRect()));
      chart.texts = texts(svg, null);
      chart.axes = vegaAxes(el);
    }
  }
  return charts;
}
""".replace("%CHARTS%", repr(CHARTS))


@dataclass
class Chart:
    name: str
    kind: str
    shown: bool
    box: list[float]
    drawn: bool
    canvas: bool
    legends: list[list[float]] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    axes: list[dict] = field(default_factory=list)


def measure_charts(page: Page) -> list[Chart]:
    return [Chart(**c) for c in page.evaluate(MEASURE, [COUNT_AXIS_NOTE])]


def wait_charts_drawn(page: Page, at_least: int = 0, timeout_ms: float = 30_000) -> list[Chart]:
    """The charts once every one on show is drawn and three readings 200 ms apart agree. Streamlit mounts a chart a
    moment after the script has finished (it loads the chart library when a page first needs it), and Vega redraws
    a chart once it knows its container's width; `at_least` charts must be there."""
    readings: list[list] = []
    waited = 0.0
    while waited < timeout_ms:
        charts = measure_charts(page)
        shown = [c for c in charts if c.shown]
        readings = [*readings[-2:], [(c.box, len(c.texts), c.legends) for c in shown]]
        steady = len(readings) == 3 and readings[0] == readings[1] == readings[2]
        if steady and len(charts) >= at_least and all(c.drawn for c in shown if _area(c.box) > 0):
            return charts
        page.wait_for_timeout(POLL_MS)
        waited += POLL_MS
    raise AssertionError(f"fewer than {at_least} charts drawn, or still moving, after {timeout_ms / 1000:.0f} s")


# ---- the checks: each returns the problems it finds, in words ------------------------------------------------------
def _inside(inner: list[float], outer: list[float], tol: float = TOLERANCE) -> bool:
    return (
        inner[0] >= outer[0] - tol
        and inner[1] >= outer[1] - tol
        and inner[2] <= outer[2] + tol
        and inner[3] <= outer[3] + tol
    )


def _area(box: list[float]) -> float:
    return max(box[2] - box[0], 0) * max(box[3] - box[1], 0)


def not_measurable(chart: Chart) -> list[str]:
    """A chart on show has a size and is drawn in SVG (the DOM cannot look inside a canvas)."""
    if _area(chart.box) == 0:
        return [f"{chart.name}: shown with no width or no height: {_r(chart.box)}"]
    if chart.canvas:
        return [f"{chart.name}: drawn on a canvas, which cannot be measured (Vega switches above 2,000 rows a mark)"]
    return [] if chart.drawn else [f"{chart.name}: not drawn"]


def legends_outside(chart: Chart) -> list[str]:
    return [
        f"{chart.name}: a legend at {_r(legend)} reaches outside the chart's box {_r(chart.box)}"
        for legend in chart.legends
        if not _inside(legend, chart.box)
    ]


def _shrink(quad: list[list[float]], by: float) -> list[list[float]]:
    """The rectangle (four corners in order) pulled in by `by` pixels on every side: each corner moves `by` along
    both of its edges, towards the two neighbouring corners."""
    out = []
    for i, (x, y) in enumerate(quad):
        moved = [x, y]
        for nx, ny in (quad[(i + 1) % 4], quad[(i - 1) % 4]):
            length = ((nx - x) ** 2 + (ny - y) ** 2) ** 0.5
            step = min(by, length / 2) / length if length else 0.0
            moved = [moved[0] + (nx - x) * step, moved[1] + (ny - y) * step]
        out.append(moved)
    return out


def _overlap(a: list[list[float]], b: list[list[float]]) -> bool:
    """Separating-axis test for two convex quadrilaterals (rotated rectangles)."""
    for quad in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = quad[i], quad[(i + 1) % 4]
            nx, ny = y2 - y1, x1 - x2
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
    return True


def _bounds(quad: list[list[float]]) -> list[float]:
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return [min(xs), min(ys), max(xs), max(ys)]


def overlapping_texts(chart: Chart) -> list[str]:
    shrunk = [(t, _shrink(t["quad"], TOLERANCE / 2)) for t in chart.texts]
    problems = []
    for (ta, qa), (tb, qb) in itertools.combinations(shrunk, 2):
        ba, bb = _bounds(qa), _bounds(qb)
        if ba[2] < bb[0] or bb[2] < ba[0] or ba[3] < bb[1] or bb[3] < ba[1]:
            continue  # far apart: skip the exact test
        if _overlap(qa, qb):
            problems.append(f"{chart.name}: {ta['text']!r} ({_part(ta)}) overlaps {tb['text']!r} ({_part(tb)})")
    return problems


def texts_cut(chart: Chart) -> list[str]:
    """Texts that run past the chart's box: cut off by the page, or drawn over its neighbours."""
    return [
        f"{chart.name}: {t['text']!r} ({_part(t)}) at {_r(_bounds(t['quad']))} runs outside {_r(chart.box)}"
        for t in chart.texts
        if not _inside(_bounds(t["quad"]), chart.box)
    ]


def repeated_time_ticks(chart: Chart) -> list[str]:
    problems = []
    for axis in chart.axes:
        if axis["kind"] != "time":
            continue
        seen = [t for t in axis["ticks"] if t]
        twice = sorted({t for t in seen if seen.count(t) > 1})
        if twice:
            problems.append(f"{chart.name}: time axis {axis['label']!r} names {twice} more than once: {seen}")
    return problems


WHOLE = re.compile(r"^[−-]?\d{1,3}(,\d{3})*$|^[−-]?\d+$")


def fractional_count_ticks(chart: Chart) -> list[str]:
    problems = []
    for axis in chart.axes:
        if axis["kind"] != "count":
            continue
        ticks = [t for t in axis["ticks"] if t]
        if not all(WHOLE.match(t) for t in ticks):
            problems.append(f"{chart.name}: count axis {axis['label']!r} has ticks {ticks}")
        elif len(set(ticks)) < len(ticks):  # a tick at 0.5 printed with a whole-number format reads "0 1 1"
            problems.append(f"{chart.name}: count axis {axis['label']!r} repeats a tick: {ticks}")
    return problems


def _part(text: dict) -> str:
    return re.sub(r"\s+", " ", text.get("part") or "text").strip()


def _r(box: list[float]) -> str:
    return "[" + ", ".join(f"{v:.0f}" for v in box) + "]"
