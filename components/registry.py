"""The pages of the app, in navigation order. Plain data so tests can walk it without running Streamlit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    url_path: str


PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/overview.py", "Overview", "🧭", "overview"),
    PageEntry("pages/timeline.py", "Timeline of talks", "🗓️", "timeline"),
    PageEntry("pages/positions.py", "Positions", "⚖️", "positions"),
    PageEntry("pages/plans.py", "Peace plans", "📜", "plans"),
    PageEntry("pages/commitments.py", "Commitments", "✅", "commitments"),
    PageEntry("pages/reactions.py", "International reactions", "🌍", "reactions"),
    PageEntry("pages/sources.py", "Sources", "📰", "sources"),
    PageEntry("pages/search.py", "Search", "🔎", "search"),
    PageEntry("pages/codebook.py", "Codebook & data", "📖", "codebook"),
    PageEntry("pages/import.py", "Import", "📥", "import"),
    PageEntry("pages/add_article.py", "Add an article", "📝", "add"),
)

# Pages reached only by links (every id in every table links to its record); kept out of the navigation menu and of
# PAGES, which the navigation order and the page tests walk.
RECORD_PAGE = PageEntry("pages/record.py", "Record", "🔗", "record")
HIDDEN_PAGES: tuple[PageEntry, ...] = (RECORD_PAGE,)

ROOT = Path(__file__).resolve().parent.parent  # page paths are resolved from here, wherever the app is started
