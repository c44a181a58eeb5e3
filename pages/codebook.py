"""Codebook & data: what do the codes mean, what is in each table, which version is this, how to cite it?"""

from pathlib import Path

import streamlit as st

from components.data import data_dir, get_dataset
from components.filters import current_filters
from components.layout import show_header
from components.legend import show_meaning_legend
from components.tables import show_table

ds = get_dataset()
current_filters(ds)  # the sidebar stays the same on every page, though the codebook itself is not filtered
show_header(
    "Codebook & data",
    "What does each code mean, what is in each table, and how should it be cited?",
    "All records (the codebook is not filtered)",
    ds,
)

st.subheader("Issues")
show_table(
    ds.issues,
    page="codebook",
    name="issues",
    ds=ds,
    key="codebook.issues",
    view=None,  # the codebook is not filtered
    columns={"issue_id": "Code", "label": "Issue", "definition": "Definition"},
)
st.subheader("Issue scales: how far apart")
st.caption(
    "Each issue's options, in order from the end most favourable to Ukraine's stated position (rank 1) to the end "
    "most favourable to Russia's (highest rank). Every option was put forward by a party or a plan; the definition "
    "says who held it and when, and the example is the kind of statement that takes it."
)
show_table(
    ds.issue_options,
    page="codebook",
    name="issue scales",
    ds=ds,
    key="codebook.scales",
    view=None,  # the codebook is not filtered
    columns={
        "issue_label": "Issue",
        "rank": "Rank",
        "label": "Option",
        "definition": "Definition",
        "example": "Example",
        "option_id": "Code",
    },
)
st.subheader("Stances, formats and other codes")
show_table(
    ds.codebook,
    page="codebook",
    name="codes",
    ds=ds,
    key="codebook.codes",
    view=None,  # the codebook is not filtered
    columns={"scheme": "Scheme", "code": "Code", "label": "Label", "definition": "Definition"},
)
st.subheader("Colours: one palette per meaning")
st.caption(
    "Every chart colours one meaning with its own palette, and no colour means two things on a page. Parties: "
    "Okabe and Ito's palette, then Paul Tol's; position stances: Tol's purple-to-green scale from reject to accept; "
    "reaction stances: ColorBrewer's orange-to-purple scale from Russia's side to Ukraine's, the stances that take "
    "no side between them; formats: Tol's bright scheme; the place on an issue's scale: Tol's blue-to-red scale. "
    "All are designed to stay distinguishable with the common forms of colour blindness."
)
show_meaning_legend(ds)

st.subheader("Actors")
show_table(
    ds.actors,
    page="codebook",
    name="actors",
    ds=ds,
    key="codebook.actors",
    view=None,  # the codebook is not filtered
    columns={
        "actor_id": "Id",
        "name": "Name",
        "actor_type": "Type",
        "country_iso3": "ISO3",
        "affiliation_name": "Speaks for",
        "aliases": "Also known as",
    },
    links={"affiliation_name": "affiliation"},
)

st.subheader("Data version")
st.metric("Dataset version", ds.version)
counts = {
    "talks": len(ds.talks),
    "agreed items": len(ds.items),
    "positions": len(ds.positions),
    "reactions": len(ds.reactions),
    "sources": len(ds.sources),
    "actors": len(ds.actors),
    "options on issue scales": len(ds.issue_options),
}
st.caption(" · ".join(f"{n:,} {what}" for what, n in counts.items()))
changelog = Path(data_dir()) / "CHANGELOG.md"
if changelog.exists():
    with st.expander("Change log"):
        st.markdown(changelog.read_text(encoding="utf-8"))

st.subheader("How to cite")
st.code(
    f"Parley peace-talks tracker, dataset version {ds.version}, Russia–Ukraine process. "
    "Cite the original source URL given for each record.",
    language=None,
)

readme = Path(data_dir()) / "README.md"
if readme.exists():
    with st.expander("Data dictionary (every table and column)", expanded=False):
        st.markdown(readme.read_text(encoding="utf-8"))
