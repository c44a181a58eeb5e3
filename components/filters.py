"""The global filter widgets and their round trip through the URL.

The URL is written from the one Filters object after every run (not via widget binding), so the link
survives page switches and always matches what the pages apply.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.registry import PageEntry
from components.sections import P_VIEW, view_query
from parley.aggregate import codebook_entries
from parley.filters import Filters, UrlNote, describe, url_notes_markdown
from parley.loading import Dataset
from parley.memo import per_dataset
from parley.text import definitions

K_PARTY, K_ISSUE, K_DATES, K_FORMAT, K_HIDE_LOW = (
    "filters.party",
    "filters.issue",
    "filters.dates",
    "filters.format",
    "filters.hide_low",
)
K_ROUND = "timeline.round"
K_SEEDED, K_CURRENT = "filters.seeded_from_url", "filters.current"
# Set when the data changed under an open session (an import or undo from anywhere): the filters are checked again
# against the new data, starting from the widgets as the reader left them. Not from the URL: it is written at the end
# of a run, so it does not yet hold a change made in the run that meets the new data.
K_DATA_CHANGED, K_SPAN = "filters.data_changed", "filters.span"
K_URL_NOTES = "filters.url_notes"  # (what the link was not applied as, the filters it gave)
# URL keys a page owns (the Search page's words, the record page's id and kind): not filters, so they are neither
# read as filters nor dropped when the filters rewrite the link.
PAGE_PARAMS = ("q", "id", "kind")
# The open section's parameter (P_VIEW) is not a filter either: it is written from the page's tabs, or dropped.


def _query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _page_params() -> dict[str, list[str]]:
    return {key: values for key, values in _query().items() if key in PAGE_PARAMS}


def _seed(ds: Dataset) -> None:
    """Give the widgets their values before they are drawn.

    A session's first run takes them from the URL (a shared link opens the same view); later, if Streamlit has
    dropped the widget state, they come back from the last filter object; when the data changed, from the widgets."""
    changed = st.session_state.pop(K_DATA_CHANGED, False)
    if changed and K_PARTY in st.session_state:
        source: Filters | None = _from_widgets(ds, span=st.session_state.get(K_SPAN))
    elif st.session_state.get(K_SEEDED) and K_PARTY in st.session_state:
        return
    else:
        source = st.session_state.get(K_CURRENT) if st.session_state.get(K_SEEDED) else None
    f, notes = (
        (source, [])
        if source
        else Filters.parse_query({k: v for k, v in _query().items() if k not in (*PAGE_PARAMS, P_VIEW)})
    )
    lo, hi = (d.date() for d in ds.date_span)
    f, more = f.checked_against(
        ds.filter_actors,
        list(ds.issues["issue_id"]),
        list(ds.labels["talk_format"]),
        talks=ds.talk_ids,
        span=(lo, hi),
    )
    if source is None:
        st.session_state[K_URL_NOTES] = ([*notes, *more], f)
    start = min(max(f.start or lo, lo), hi)
    end = max(min(f.end or hi, hi), start)
    st.session_state[K_PARTY] = list(f.parties)
    st.session_state[K_ISSUE] = list(f.issues)
    st.session_state[K_DATES] = (start, end)
    st.session_state[K_FORMAT] = list(f.formats)
    st.session_state[K_HIDE_LOW] = f.hide_low
    if f.talk in ds.talk_ids:
        st.session_state[K_ROUND] = f.talk
    st.session_state[K_SEEDED] = True


def data_changed() -> None:
    """Called when this session meets a new data version or store revision: the next seeding keeps the reader's view."""
    st.session_state[K_DATA_CHANGED] = True


def _from_widgets(ds: Dataset, span: tuple[date, date] | None = None) -> Filters:
    """The filters the widgets hold; `span` is the date span they were drawn with (a full range means no limit)."""
    lo, hi = span or tuple(d.date() for d in ds.date_span)
    dates = st.session_state.get(K_DATES) or (lo, hi)
    start: date | None = dates[0] if len(dates) > 0 else None
    end: date | None = dates[1] if len(dates) > 1 else None
    return Filters(
        parties=tuple(st.session_state.get(K_PARTY, ())),
        issues=tuple(st.session_state.get(K_ISSUE, ())),
        start=None if start == lo else start,
        end=None if end == hi else end,
        formats=tuple(st.session_state.get(K_FORMAT, ())),
        hide_low=bool(st.session_state.get(K_HIDE_LOW, False)),
        talk=_known_round(ds, st.session_state.get(K_ROUND)),
    )


def _known_round(ds: Dataset, talk_id: str | None) -> str | None:
    """The selected round, unless it has left the data (an undone import): the link must not point at it."""
    return talk_id if talk_id in ds.talk_ids else None


def _link_query(f: Filters, page: PageEntry | None) -> dict[str, list[str]]:
    return {**f.to_query(), **_page_params(), **view_query(page)}


def _write_url(f: Filters, page: PageEntry | None) -> None:
    wanted = _link_query(f, page)
    if _query() != wanted:
        st.query_params.from_dict(wanted)


def render_filters(ds: Dataset, page: PageEntry | None = None) -> Filters:
    """Draw the sidebar filters, keep the URL in step, and return the filter object for this run.

    `page` is the page this run shows: the link names its open section (see components.sections)."""
    _seed(ds)
    lo, hi = (d.date() for d in ds.date_span)
    issue_help, format_help = _help_texts(ds)
    with st.sidebar:
        st.header("Filters")
        st.multiselect(
            "Parties and actors",
            ds.filter_actors,
            key=K_PARTY,
            format_func=ds.actor_name,
            placeholder="All",
            help="Who holds the position, sits at the table or reacts.",
        )
        st.multiselect(
            "Issues",
            list(ds.issues["issue_id"]),
            key=K_ISSUE,
            format_func=lambda i: ds.label("issue", i),
            placeholder="All",
            help=issue_help,
        )
        st.date_input(
            "Date range",
            key=K_DATES,
            min_value=lo,
            max_value=hi,
            format="DD/MM/YYYY",
            help="Records dated inside the range; talks that overlap it.",
        )
        st.multiselect(
            "Talk formats",
            list(ds.labels["talk_format"]),
            key=K_FORMAT,
            format_func=lambda c: ds.label("talk_format", c),
            placeholder="All",
            help=format_help,
        )
        st.toggle(
            "Hide low-confidence records",
            key=K_HIDE_LOW,
            help="Low confidence: a single secondary source, anonymous sourcing, or an announcement only.",
        )
    f = _from_widgets(ds)
    st.session_state[K_SPAN] = (lo, hi)
    _write_url(f, page)
    st.session_state[K_CURRENT] = f
    _show_url_notes(f)
    _show_share_link(f, page)
    return f


@per_dataset
def _help_texts(ds: Dataset) -> tuple[str, str]:
    """The issues' and talk formats' definitions for the filters' help: the same on every rerun of a dataset."""
    issues = definitions(zip(ds.issues["label"], ds.issues["definition"], strict=True), bullets=True)
    return issues, definitions(codebook_entries(ds.codebook, "talk_format"), bullets=True)


def _show_url_notes(f: Filters) -> None:
    """Say what the opened link asked for that is not applied, until the reader changes the filters."""
    notes: list[UrlNote]
    notes, seeded = st.session_state.get(K_URL_NOTES) or ([], None)
    # The Timeline picks a round by itself; only the reader's own filter changes retire the note.
    if not notes or seeded is None or replace(f, talk=None) != replace(seeded, talk=None):
        st.session_state.pop(K_URL_NOTES, None)
        return
    st.info(url_notes_markdown(notes), icon=":material/link:")


def _show_share_link(f: Filters, page: PageEntry | None) -> None:
    """The link that reopens this view, with a copy button (st.code has one built in)."""
    base = st.context.url or ""
    query = urlencode(_link_query(f, page), doseq=True)
    with st.sidebar:
        st.caption(":material/link: Link to this view (copy with the button at its right)")
        st.code(
            f"{base}?{query}" if query else base or "(open the app in a browser to get its link)",
            language=None,
            wrap_lines=True,
        )


def filters_rendered_this_run() -> bool:
    """True once app.py has drawn the filters in this run: a page's own calls come after app.py's."""
    ctx = get_script_run_ctx()
    keys = getattr(getattr(ctx, "shared", None), "widget_user_keys_this_run", None)
    return True if keys is None else K_PARTY in keys


def hand_back_to_app() -> None:
    """Leave Streamlit's legacy `pages/` folder mode, which runs a page file without app.py.

    Streamlit enters that mode when a server's very first request is a deep link (a shared URL after a restart)
    and stays in it until app.py calls st.navigation; rerunning through app.py restores the real navigation,
    page titles and filters. The page keeps its URL path, so the same page opens."""
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_filters(ds: Dataset) -> Filters:
    """The filter object app.py built for this run (a page run without app.py hands the run back to it first)."""
    if not filters_rendered_this_run():
        hand_back_to_app()
        return render_filters(ds)  # only if Streamlit ever stops offering the way back
    return st.session_state.get(K_CURRENT, Filters())


def filters_text(ds: Dataset, f: Filters, *, issue_applies: bool = True, include_round: bool = False) -> str:
    shown = f if include_round else replace(f, talk=None)
    names = {**ds.labels.get("actor", {}), **ds.labels.get("issue", {}), **ds.labels.get("talk_format", {})}
    if shown.talk:  # only a chosen round needs its title: thousands of rounds are not looked up on every rerun
        titles = ds.talks.loc[ds.talks["talk_id"] == shown.talk, "title"]
        names[shown.talk] = str(titles.iloc[0]) if len(titles) else shown.talk
    return describe(shown, names, issue_applies=issue_applies)
