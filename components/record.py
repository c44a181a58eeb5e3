"""A record's page drawn from parley.records: fields in words, flags, sources with their links, linked records.

Every text here comes from the data and goes through escape_markdown; links to other records are st.page_link
(same tab, so the browser's back button returns), links out of the app only for http(s) addresses.
"""

from __future__ import annotations

import streamlit as st

from components.registry import RECORD_PAGE, ROOT
from parley.records import Link, Match, Record, SourceRef
from parley.text import escape_markdown

K_ID = "record.id"
P_ID, P_KIND = "id", "kind"  # page parameters: components.filters leaves them in the link (PAGE_PARAMS)
KIND_ICONS = {
    "round": ":material/event_note:",
    "position": ":material/balance:",
    "reaction": ":material/public:",
    "item": ":material/handshake:",
    "event": ":material/push_pin:",
    "source": ":material/newspaper:",
    "check": ":material/fact_check:",
    "actor": ":material/person:",
    "plan": ":material/description:",
    "provision": ":material/article:",
}
SOURCE_SECTION = {"source": "The article", "check": "Sources the claim was checked against"}


def _record_page() -> str:
    return str(ROOT / RECORD_PAGE.path)


def record_link(record_id: str, label: str, kind: str | None = None, *, key_icon: str | None = None) -> None:
    """A link to a record's page, in the same tab; the label is data, shown literally."""
    query = {P_ID: record_id, **({P_KIND: kind} if kind else {})}
    st.page_link(_record_page(), label=escape_markdown(label), icon=key_icon, query_params=query)


def requested() -> tuple[str, str | None]:
    """The id (and kind) the link asks for, written back to the address bar.

    A page link to the page already open reruns it with the new query but leaves the browser's address as it was
    (Streamlit updates it on a change of page only); writing the parameter again sends the address to the browser,
    which then records a history entry, so the back button returns to the previous record."""
    record_id, kind = (st.query_params.get(P_ID) or "").strip(), (st.query_params.get(P_KIND) or None)
    if record_id:
        st.query_params[P_ID] = record_id
    return record_id, kind


def _open_typed() -> None:
    # A callback runs before app.py redraws the filters, so the link already carries the id when the page runs.
    typed = (st.session_state.get(K_ID) or "").strip()
    if typed:
        st.query_params[P_ID] = typed
        if P_KIND in st.query_params:
            del st.query_params[P_KIND]


def render_id_box() -> None:
    st.text_input(
        "Open a record by its id",
        key=K_ID,
        max_chars=200,
        placeholder="e.g. pos-0071, src-f8cd89ae6d, RUS, 2025-05-16-istanbul",
        on_change=_open_typed,
        help="Every table's id links here; the Search page finds records by their words.",
    )


def show_help() -> None:
    st.info(
        "A record page shows one round, position, reaction, source, actor, agreed item, commitment event, fact "
        "check, plan or plan provision: every field in words, its sources and the records linked to it. Follow a "
        "link in any table, or type an id below.",
        icon=":material/link:",
    )
    render_id_box()


def show_unknown(record_id: str) -> None:
    st.warning(f"No record has the id “{escape_markdown(record_id, 200)}”. Check the link, or type another id.")
    render_id_box()


def show_candidates(record_id: str, found: list[Match]) -> None:
    st.info(f"The id “{escape_markdown(record_id, 200)}” names {len(found)} records of different kinds: pick one.")
    for match in found:
        record_link(match.id, f"{match.kind_label}: {match.label}", match.kind, key_icon=KIND_ICONS.get(match.kind))


def show_record(record: Record) -> None:
    st.header(escape_markdown(record.title), anchor=False)
    st.caption(f"{escape_markdown(record.kind_label)} · id {escape_markdown(record.id)}")
    if record.flags:
        st.warning("\n".join(f"- {escape_markdown(flag)}" for flag in record.flags), icon=":material/warning:")
    st.markdown(
        "  \n".join(f"**{escape_markdown(label)}:** {escape_markdown(value)}" for label, value in record.fields)
    )
    if record.sources:
        st.subheader(SOURCE_SECTION.get(record.kind, f"Sources ({len(record.sources)})"), anchor=False)
        for source in record.sources:
            _show_source(source, own=record.kind == "source")
    elif record.kind not in ("actor",):
        st.caption("No source recorded.")
    if record.links:
        st.subheader("Linked records", anchor=False)
        for group in record.links:
            st.markdown(f"**{escape_markdown(group.title)}** ({group.total:,})")
            for link in group.links:
                _show_link(link)
            if group.total > len(group.links):
                st.caption(f"Showing the first {len(group.links):,} of {group.total:,}.")


def _show_link(link: Link) -> None:
    record_link(link.id, link.label, key_icon=KIND_ICONS.get(link.kind))


def _show_source(source: SourceRef, *, own: bool) -> None:
    with st.container(border=True):
        if not source.known:
            st.caption(f"{escape_markdown(source.id)}: this id names no source in the data.")
            return
        name = " · ".join(p for p in (source.outlet, source.title) if p) or source.id
        if own:
            st.markdown(f"**{escape_markdown(name)}**")
        else:
            record_link(source.id, name, key_icon=KIND_ICONS["source"])
        details = [source.type_label, f"published {source.published}", f"id {source.id}"]
        st.caption(" · ".join(escape_markdown(d) for d in details if d))
        if source.reliability_notes:
            st.caption("Reliability: " + escape_markdown(source.reliability_notes))
        if source.href:
            st.page_link(source.href, label=escape_markdown(source.url, 120), icon=":material/open_in_new:")
        else:
            st.caption("Address (not a web address, so not a link): " + escape_markdown(source.url or "not recorded"))
        for check in source.checks:
            record_link(check.id, f"Fact check ({check.verdict}): {check.claim}", key_icon=KIND_ICONS["check"])
