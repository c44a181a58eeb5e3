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


PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    PageEntry("pages/timeline.py", "Timeline of talks", ":material/event_note:", "timeline"),
    PageEntry("pages/positions.py", "Positions", ":material/balance:", "positions"),
    PageEntry("pages/plans.py", "Peace plans", ":material/description:", "plans"),
    PageEntry("pages/commitments.py", "Commitments", ":material/task_alt:", "commitments"),
    PageEntry("pages/reactions.py", "International reactions", ":material/public:", "reactions"),
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
OVERVIEW_ALIAS = PageEntry(PAGES[0].path, PAGES[0].title, PAGES[0].icon, PAGES[0].url_path)
HIDDEN_PAGES: tuple[PageEntry, ...] = (RECORD_PAGE, OVERVIEW_ALIAS)
ICON = "assets/parley-icon.png"  # the browser tab's icon, relative to ROOT

ROOT = Path(__file__).resolve().parent.parent  # page paths are resolved from here, wherever the app is started
