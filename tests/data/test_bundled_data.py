"""Data quality of the bundled record: complete, linked, sourced, coded, and faithful to the reference tables."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pycountry
import pytest

from parley import schema as s
from parley.loading import DEFAULT_DATA_DIR
from parley.summary import record_summary
from parley.validation import split_ids
from tests.core import test_docs as docs

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference is not beside the project")
WAR_START, DATA_END = pd.Timestamp("2022-02-24"), pd.Timestamp(date.today())


def _reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_full_record_is_there(bundled):
    assert len(bundled.talks) == 52
    assert len(bundled.positions) >= 55
    assert len(bundled.reactions) >= 28
    assert bundled.talks["start_date"].min() == pd.Timestamp("2022-02-28")
    assert bundled.talks["start_date"].max() == pd.Timestamp("2026-03-21")


@pytest.mark.parametrize(
    "table,key",
    [
        ("talks", "talk_id"),
        ("items", "item_id"),
        ("positions", "position_id"),
        ("reactions", "reaction_id"),
        ("sources", "source_id"),
        ("actors", "actor_id"),
        ("fact_checks", "check_id"),
    ],
)
def test_ids_unique(bundled, table, key):
    ids = getattr(bundled, table)[key]
    assert ids.is_unique, ids[ids.duplicated()].tolist()


@pytest.mark.parametrize("table", ["talks", "items", "positions", "reactions"])
def test_every_record_cites_existing_sources(bundled, table):
    known = set(bundled.sources["source_id"])
    frame = getattr(bundled, table)
    for cell in frame["source_ids"]:
        ids = split_ids(cell)
        assert ids and set(ids) <= known, cell


def test_every_reference_resolves(bundled):
    actors, talks = set(bundled.actors["actor_id"]), set(bundled.talks["talk_id"])
    assert set(bundled.positions["actor_id"]) <= actors
    assert set(bundled.reactions["actor_id"]) <= actors
    assert set(bundled.participants["actor_id"]) <= actors
    heads = set(bundled.participants["delegation_head_id"]) - {""}
    assert heads <= actors
    assert set(bundled.positions["talk_id"]) - {""} <= talks
    assert set(bundled.reactions["talk_id"]) - {""} <= talks
    assert set(bundled.items["talk_id"]) <= talks
    assert set(bundled.participants["talk_id"]) == talks  # every round has its participants


def test_dates_in_range_and_ordered(bundled):
    for column in (
        bundled.talks["start_date"],
        bundled.talks["end_date"],
        bundled.positions["date"],
        bundled.reactions["date"],
    ):
        assert column.between(WAR_START, DATA_END).all(), column[~column.between(WAR_START, DATA_END)]
    assert (bundled.talks["start_date"] <= bundled.talks["end_date"]).all()


def test_urls_well_formed(bundled):
    for url in bundled.sources["url"]:
        parts = urlparse(url)
        assert parts.scheme in ("http", "https") and "." in parts.netloc and " " not in url, url


def test_iso_codes_valid(bundled):
    valid = {c.alpha_3 for c in pycountry.countries}
    codes = set(bundled.actors["country_iso3"]) | set(bundled.talks["country_iso3"])
    assert codes - {""} <= valid
    states = bundled.actors[bundled.actors["actor_type"] == "state"]
    assert (states["actor_id"] == states["country_iso3"]).all()  # a state's id is its ISO code


def test_every_code_is_in_the_codebook(bundled):
    codes = {(r.scheme, r.code) for r in bundled.codebook.itertuples()}
    for frame, column, scheme in [
        (bundled.positions, "stance", "position_stance"),
        (bundled.reactions, "stance", "reaction_stance"),
        (bundled.talks, "format", "talk_format"),
        (bundled.talks, "status", "talk_status"),
        (bundled.participants, "role", "participant_role"),
        (bundled.items, "status", "item_status"),
        (bundled.sources, "source_type", "source_type"),
        (bundled.actors, "actor_type", "actor_type"),
    ]:
        used = {(scheme, str(v)) for v in frame[column]}
        assert used <= codes, used - codes
    assert set(bundled.positions["issue_id"].astype(str)) <= set(bundled.issues["issue_id"])


def test_people_speak_for_a_state_or_organisation(bundled):
    people = bundled.actors[bundled.actors["actor_type"] == "person"]
    assert (people["affiliation"] != "").all(), people[people["affiliation"] == ""]["actor_id"].tolist()


def test_aliases_make_one_actor(bundled):
    holy_see = bundled.actors[bundled.actors["actor_id"] == "VAT"].iloc[0]
    assert "Vatican" in holy_see["aliases"].split(";")


def test_prisoner_exchanges_per_side(bundled):
    from parley.aggregate import prisoner_counts

    per_talk = prisoner_counts(bundled.items).groupby("talk_id")["quantity"].sum().to_dict()
    assert per_talk == {
        "2025-05-16-istanbul": 1000,
        "2025-06-02-istanbul": 1000,
        "2025-07-23-istanbul": 1200,
        "2026-02-04-abu-dhabi": 157,
    }


def test_seed_article_flags_are_carried(bundled):
    seed = bundled.sources[bundled.sources["url"].str.contains("bharatpulsenews")].iloc[0]
    assert seed["published"] is pd.NaT or pd.isna(seed["published"])  # the article carries no date
    assert "former" in seed["reliability_notes"].lower()
    us = bundled.reactions[
        (bundled.reactions["actor_id"] == "USA") & bundled.reactions["source_ids"].str.contains(seed["source_id"])
    ]
    assert len(us) == 1 and bool(us["disputed"].iloc[0]) and us["confidence"].iloc[0] == "low"
    checks = bundled.fact_checks[bundled.fact_checks["source_id"] == seed["source_id"]]
    assert {"contradicted", "partly_confirmed", "confirmed"} <= set(checks["verdict"].astype(str))


def test_istanbul_round_one_is_coded_as_the_article_reports(bundled):
    talk = bundled.talks[bundled.talks["talk_id"] == "2025-05-16-istanbul"].iloc[0]
    assert talk["format"] == "direct_bilateral" and "Dolmabah" in talk["venue"]
    heads = bundled.participants[bundled.participants["talk_id"] == "2025-05-16-istanbul"]
    assert {("RUS", "vladimir_medinsky"), ("UKR", "rustem_umerov")} <= set(
        zip(heads["actor_id"], heads["delegation_head_id"], strict=True)
    )
    assert "TUR" in set(heads["actor_id"])


@needs_reference
def test_every_reference_round_and_url_is_coded(bundled):
    talks = _reference("talks_reference.csv")
    assert sorted(r["date"] for r in talks) == sorted(bundled.talks["start_date"].dt.strftime("%Y-%m-%d"))
    urls = set(bundled.sources["url"])
    for name in ("talks_reference.csv", "positions_reference.csv", "reactions_reference.csv"):
        for row in _reference(name):
            for url in row["source_url"].split(" ; "):
                assert url.strip() in urls, (name, url)


def _shingles(text: str, n: int = 10) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@needs_reference
def test_summaries_are_written_in_our_own_words(bundled):
    reference = set()
    for name, column in (
        ("talks_reference.csv", "outcomes"),
        ("positions_reference.csv", "summary"),
        ("reactions_reference.csv", "summary"),
    ):
        for row in _reference(name):
            reference |= _shingles(row[column])
    seed = REFERENCE.parent / "seeds"
    for path in seed.glob("*.txt"):
        reference |= _shingles(path.read_text(encoding="utf-8"))
    ours = pd.concat(
        [
            bundled.talks["outcome"],
            bundled.positions["summary"],
            bundled.reactions["summary"],
            bundled.items["summary"],
            bundled.provisions["summary"],
        ]
    )
    copied = [text for text in ours if _shingles(text) & reference]
    assert not copied, copied[:3]


# -- issue scales ------------------------------------------------------------------------------------------------

CORE_ISSUES = (
    "territory",
    "ceasefire",
    "security_guarantees",
    "neutrality_nato",
    "military_limits",
    "sanctions_assets",
)

SCALED_ISSUES = [*CORE_ISSUES, "accountability", "prisoners", "children", "identity"]
# A definition says who held the option: the scale holds only what a party or a plan put forward.
HELD = re.compile(r"\b(Held|Agreed|Offered|Proposed|Accepted) by\b")


@pytest.mark.parametrize("table", s.RELEASE_TABLES, ids=lambda t: t.name)
def test_scale_tables_are_documented(table):
    docs.test_every_column_is_documented(table)
    docs.test_bundled_files_have_exactly_the_documented_columns(table)


def test_every_core_issue_has_a_scale_of_3_to_7_options(bundled):
    sizes = bundled.issue_options["issue_id"].astype(str).value_counts()
    assert set(SCALED_ISSUES) <= set(sizes.index), set(SCALED_ISSUES) - set(sizes.index)
    assert sizes.between(3, 7).all(), sizes[~sizes.between(3, 7)].to_dict()


def test_every_option_belongs_to_a_known_issue(bundled):
    issues = set(bundled.issues["issue_id"])
    assert set(bundled.issue_options["issue_id"].astype(str)) <= issues


def test_ranks_run_from_1_without_gaps(bundled):
    for issue, ranks in bundled.issue_options.groupby("issue_id", observed=True)["rank"]:
        assert ranks.tolist() == list(range(1, len(ranks) + 1)), issue


def test_option_labels_and_ids_differ_within_an_issue(bundled):
    options = bundled.issue_options
    assert not options.duplicated(["issue_id", "label"]).any()
    assert options["option_id"].is_unique
    assert all(o.startswith(f"{i}.") for i, o in zip(options["issue_id"], options["option_id"], strict=True))


def test_options_are_defined_sourced_and_exemplified_in_one_line(bundled):
    for row in bundled.issue_options.itertuples():
        assert HELD.search(row.definition), f"{row.option_id}: definition names no party or plan"
        assert "\n" not in row.example and 20 <= len(row.example) <= 140, row.option_id
        assert row.label and row.label != row.example, row.option_id


def test_scales_run_from_kyivs_end_to_moscows(bundled):
    options = bundled.issue_options.set_index("option_id")
    first_and_last = {
        "territory": ("territory.full_withdrawal", "territory.cede_four_regions"),
        "neutrality_nato": ("neutrality_nato.membership", "neutrality_nato.permanent_neutrality"),
        "sanctions_assets": ("sanctions_assets.confiscate", "sanctions_assets.lift_all"),
    }
    for issue, (kyiv, moscow) in first_and_last.items():
        n = (bundled.issue_options["issue_id"] == issue).sum()
        assert options.loc[kyiv, "rank"] == 1 and options.loc[moscow, "rank"] == n, issue
    n_territory = (bundled.issue_options["issue_id"] == "territory").sum()
    assert 1 < options.loc["territory.freeze_line", "rank"] < n_territory  # the freeze is a middle position


@needs_reference
def test_scale_examples_are_written_in_our_own_words(bundled):
    reference = set()
    for path in (REFERENCE.parent / "seeds").glob("*.txt"):
        reference |= _shingles(path.read_text(encoding="utf-8"), 8)
    for row in _reference("positions_reference.csv"):
        reference |= _shingles(row["summary"], 8)
    texts = pd.concat([bundled.issue_options["definition"], bundled.issue_options["example"]])
    copied = [text for text in texts if _shingles(text, 8) & reference]
    assert not copied, copied[:3]


def test_summary_counts(bundled):
    text = record_summary(bundled)
    assert f"talks {len(bundled.talks)}," in text and f"positions {len(bundled.positions)}," in text
    assert "2025 " in text and "Russia " in text


def _raw_positions() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_DATA_DIR / "positions.csv", dtype=str, keep_default_na=False)


def test_every_option_lies_on_its_positions_issue(bundled):
    placed = bundled.positions[bundled.positions["option_id"].astype(str) != ""]
    scale_of = bundled.issue_options.set_index("option_id")["issue_id"].astype(str)
    wrong = placed.loc[placed["option_id"].astype(str).map(scale_of) != placed["issue_id"].astype(str)]
    assert wrong.empty, wrong[["position_id", "issue_id", "option_id"]].to_dict("records")
    assert placed["option_label"].astype(str).ne("").all() and placed["option_rank"].notna().all()


def test_most_positions_on_the_core_issues_are_on_a_scale():
    raw = _raw_positions()
    core = raw[raw["issue_id"].isin(CORE_ISSUES)]
    placed = core["option_id"].ne("")
    assert placed.mean() >= 0.70, f"{placed.sum()} of {len(core)} core positions have an option"
    per_issue = placed.groupby(core["issue_id"]).sum()
    assert (per_issue.reindex(list(CORE_ISSUES), fill_value=0) > 0).all(), per_issue.to_dict()


def test_every_unplaced_position_on_a_scaled_issue_says_why():
    raw = _raw_positions()
    blank = raw[raw["issue_id"].isin(SCALED_ISSUES) & raw["option_id"].eq("")]
    silent = blank.loc[~blank["notes"].str.contains("No option: ", regex=False), "position_id"]
    assert silent.empty, silent.tolist()


def test_a_reason_for_no_option_is_given_only_where_there_is_none():
    raw = _raw_positions()
    contradicted = raw.loc[raw["option_id"].ne("") & raw["notes"].str.contains("No option: ", regex=False)]
    assert contradicted.empty, contradicted["position_id"].tolist()


# -- peace plans -------------------------------------------------------------------------------------------------
PLANS_REQUIRED = (
    "istanbul-2022",
    "peace-formula-2022",
    "china-paper-2023",
    "china-brazil-2024",
    "putin-conditions-2024",
    "russia-memo-2025",
    "ukraine-memo-2025",
    "us-28-point-2025",
    "europe-counter-2025",
    "twenty-point-2025",
)


def test_the_ten_required_plans_are_coded_each_with_provisions(bundled):
    counts = bundled.provisions["plan_id"].astype(str).value_counts()
    assert set(PLANS_REQUIRED) <= set(bundled.plans["plan_id"])
    assert all(counts.get(plan, 0) >= 3 for plan in bundled.plans["plan_id"]), counts.to_dict()


def test_plan_proposers_are_known_actors(bundled):
    actors = set(bundled.actors["actor_id"])
    for plan, ids in zip(bundled.plans["plan_id"], bundled.plans["proposer_ids"], strict=True):
        assert ids and set(str(ids).split(";")) <= actors, plan


def test_every_provision_is_sourced_and_named_after_its_plan(bundled):
    sources = set(bundled.sources["source_id"])
    for row in bundled.provisions.itertuples():
        cited = [s for s in str(row.source_ids).split(";") if s]
        assert cited and set(cited) <= sources, row.provision_id
        assert str(row.provision_id).startswith(f"{row.plan_id}."), row.provision_id


def test_provision_options_lie_on_their_own_issue(bundled):
    placed = bundled.provisions[bundled.provisions["option_id"].astype(str) != ""]
    assert len(placed) >= len(bundled.provisions) // 3, "most plans put options on the table"
    assert (placed["option_id"].astype(str).str.split(".").str[0] == placed["issue_id"].astype(str)).all()
    assert placed["option_rank"].notna().all()


def test_superseded_plans_name_a_later_plan(bundled):
    presented = dict(zip(bundled.plans["plan_id"], bundled.plans["presented"], strict=True))
    for row in bundled.plans.itertuples():
        if row.status == "superseded":
            assert row.superseded_by in presented and presented[row.superseded_by] >= row.presented, row.plan_id
        else:
            assert not row.superseded_by, row.plan_id


def test_leaked_texts_are_low_confidence(bundled):
    for plan in ("us-28-point-2025", "europe-counter-2025"):
        mine = bundled.provisions[bundled.provisions["plan_id"] == plan]
        assert (mine["confidence"].astype(str) == "low").all(), plan
