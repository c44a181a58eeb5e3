"""The pages of the app, in navigation order. Plain data so tests can walk it without running Streamlit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


# Icons are Streamlit's bundled Material Symbols (":material/<name>:"): drawn from the font Streamlit serves itself,
# where an emoji needs an emoji font on the reader's machine and is an empty box without one.
@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    url_path: str
    # (slug, tab label) of each section, first the default. A page with sections draws only the open one, so a rerun
    # computes one section's summaries and charts; the slug is the link's `view` parameter.
    sections: tuple[tuple[str, str], ...] = ()


OVERVIEW_SECTIONS = (
    ("gap", "How far apart"),
    ("changes", "What changed"),
    ("activity", "Rounds and records"),
)
TIMELINE_SECTIONS = (
    ("round", "The chosen round"),
    ("rounds", "All rounds in the window"),
)
POSITIONS_SECTIONS = (
    ("stand", "Where they stand"),
    ("gap", "How far apart"),
    ("path", "Options over time"),
    ("moves", "What moved"),
    ("statements", "Statements"),
)
PLANS_SECTIONS = (
    ("matrix", "Where each plan stands"),
    ("compare", "Compare two plans"),
    ("provisions", "Provisions"),
    ("plans", "Plans"),
)
COMMITMENTS_SECTIONS = (
    ("status", "Status over time"),
    ("by-round", "By round"),
    ("by-party", "By party"),
    ("list", "Commitments"),
    ("history", "Status history"),
)
REACTIONS_SECTIONS = (
    ("map", "Map"),
    ("counts", "Stances and actors"),
    ("list", "Reactions"),
)

PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/overview.py", "Overview", ":material/dashboard:", "overview", OVERVIEW_SECTIONS),
    PageEntry("pages/timeline.py", "Timeline of talks", ":material/event_note:", "timeline", TIMELINE_SECTIONS),
    PageEntry("pages/positions.py", "Positions", ":material/balance:", "positions", POSITIONS_SECTIONS),
    PageEntry("pages/plans.py", "Peace plans", ":material/description:", "plans", PLANS_SECTIONS),
    PageEntry("pages/commitments.py", "Commitments", ":material/task_alt:", "commitments", COMMITMENTS_SECTIONS),
    PageEntry("pages/reactions.py", "International reactions", ":material/public:", "reactions", REACTIONS_SECTIONS),
    PageEntry("pages/sources.py", "Sources", ":material/newspaper:", "sources"),
    PageEntry("pages/search.py", "Search", ":material/search:", "search"),
    PageEntry("pages/codebook.py", "Codebook & data", ":material/menu_book:", "codebook"),
    PageEntry("pages/add.py", "Add an article", ":material/post_add:", "add"),
    PageEntry("pages/import.py", "Import", ":material/upload_file:", "import"),
)

# Pages reached only by links (every id in every table links to its record); kept out of the navigation menu and of
# PAGES, which the navigation order and the page tests walk.
RECORD_PAGE = PageEntry("pages/record.py", "Record", ":material/link:", "record")
# The Overview is the default page, which Streamlit serves at "/" whatever its url_path: the same page at /overview
# too, so a link written with the page's name opens it instead of "Page not found".
OVERVIEW_ALIAS = PageEntry(PAGES[0].path, PAGES[0].title, PAGES[0].icon, PAGES[0].url_path, PAGES[0].sections)
HIDDEN_PAGES: tuple[PageEntry, ...] = (RECORD_PAGE, OVERVIEW_ALIAS)
ICON = "assets/parley-icon.png"  # the browser tab's icon, relative to ROOT

ROOT = Path(__file__).resolve().parent.parent  # page paths are resolved from here, wherever the app is started


def page_at(url_path: str) -> PageEntry | None:
    """The page served at a URL path ("" is the default page, the Overview)."""
    if not url_path:
        return PAGES[0]
    return next((p for p in (*PAGES, *HIDDEN_PAGES) if p.url_path == url_path), None)


def page_visits() -> list[tuple[PageEntry, str | None]]:
    """Every page, and each section of a page with sections (it draws only the open one): what a walk over every
    page has to open, with the slug of the section (None for a page without sections)."""
    return [(page, slug) for page in PAGES for slug in ([s for s, _ in page.sections] or [None])]


def visit_id(page: PageEntry, section: str | None) -> str:
    return page.url_path + (f"-{section}" if section else "")
