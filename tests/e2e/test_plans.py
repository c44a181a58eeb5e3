"""Peace plans in a real browser: choose two plans, read the comparison, download it; plan titles stay plain text."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from components.registry import PAGES
from parley.export import neutralise
from parley.filters import Filters, format_date
from parley.loading import Dataset, load_dataset
from parley.plans import compare_plans, plans_in_view
from tests.e2e.helpers import Server, Watch, download, download_button, open_page, row_count, wait_idle
from tests.mini import TABLES

pytestmark = pytest.mark.e2e

PLANS = next(p for p in PAGES if p.url_path == "plans")
COMPARE = dict(PLANS.sections)["compare"]  # the tab of the section that compares two plans
# The compare section has no subheading of its own: its table is the first one under the page's title.
HEADING = PLANS.title
# The comparison CSV's columns, as the page names them, and the compare_plans column each one holds.
COLUMNS = {
    "Issue": "issue_label",
    "B against A": "verdict",
    "Option in A": "option_a",
    "Option in B": "option_b",
    "Rank in A": "rank_a",
    "Rank in B": "rank_b",
    "Steps (B − A)": "steps",
    "Options on the scale": "scale_size",
    "A's points": "summary_a",
    "B's points": "summary_b",
    "Flags A": "flags_a",
    "Flags B": "flags_b",
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


def _option_name(plans: pd.DataFrame, plan_id: str) -> str:
    row = plans.loc[plans["plan_id"] == plan_id].iloc[0]
    return f"{row['title']} · {format_date(row['presented'])}"


def _pick(page: Page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    # A rerun that lands while the list is open redraws the box and closes the list: open it again.
    for _ in range(3):
        wait_idle(page)
        box.click()
        try:
            choice.wait_for(state="visible", timeout=10_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            continue
        choice.click()
        break
    wait_idle(page)
    expect(box).to_have_value(option)


def _open_compare(page: Page) -> None:
    """Click the compare section's tab, as a reader does, and wait for its pickers."""
    wait_idle(page)
    page.get_by_role("tab", name=COMPARE, exact=True).click()
    expect(page.get_by_role("tab", name=COMPARE, exact=True)).to_have_attribute("aria-selected", "true")
    page.get_by_role("combobox", name="Plan A", exact=True).wait_for()
    wait_idle(page)


def _as_csv_text(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """compare_plans rows as the CSV writes them: missing numbers empty, text cells made spreadsheet-safe (numbers,
    negative steps included, are written as they are)."""
    cells = (
        frame.astype("object").where(frame.notna(), "").map(lambda v: str(neutralise(v) if isinstance(v, str) else v))
    )
    return [tuple(row) for row in cells.to_numpy().tolist()]


def test_two_chosen_plans_compare_and_download_exactly(page: Page, app_server: Server, dataset: Dataset):
    watch = Watch().attach(page)
    view = plans_in_view(dataset, Filters())
    if len(view.plans) < 3:
        pytest.skip("the bundled data needs three plans to choose a pair other than the default")
    # Not the default pair (the two newest): the choice must reach the server and the table.
    plan_a, plan_b = view.plans["plan_id"].iloc[-3], view.plans["plan_id"].iloc[0]
    open_page(page, app_server.url(PLANS), PLANS.title)
    _open_compare(page)
    _pick(page, "Plan A", _option_name(view.plans, plan_a))
    _pick(page, "Plan B", _option_name(view.plans, plan_b))

    expected = compare_plans(view.provisions, plan_a, plan_b, dataset.issue_options)
    assert len(expected) > 0
    assert row_count(page, HEADING) == len(expected)
    name, data = download(page, download_button(page, HEADING, "Download CSV"))
    assert name.startswith("parley_plans_comparison_v") and name.endswith(".csv"), name
    got = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(got.columns) == list(COLUMNS)
    assert [tuple(row) for row in got.to_numpy().tolist()] == _as_csv_text(expected[list(COLUMNS.values())])
    watch.assert_clean()


def test_plan_titles_with_markup_are_plain_text_in_the_pickers(page: Page, mini_server: Server):
    open_page(page, mini_server.url(PLANS), PLANS.title)
    _open_compare(page)
    title = next(p["title"] for p in TABLES["plans"] if p["plan_id"] == "kyiv-plan")
    name = f"{title} · 20 May 2025"
    box = page.get_by_role("combobox", name="Plan A", exact=True)
    expect(box).to_have_value(name)  # the chosen plan, as the recorded characters
    box.click()
    option = page.get_by_role("option", name=name, exact=True)
    expect(option).to_have_text(name)
    # no bold and no HTML element made from the title
    assert option.locator("b, strong").count() == 0
    page.keyboard.press("Escape")
