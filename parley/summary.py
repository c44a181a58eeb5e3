"""A plain-text summary of what the dataset holds (printed at the end of every test run)."""

from __future__ import annotations

import pandas as pd

from parley.loading import Dataset


def record_summary(ds: Dataset) -> str:
    lines = [f"Parley dataset version {ds.version}"]
    tables = {
        "talks": ds.talks,
        "talk participants": ds.participants,
        "agreed items": ds.items,
        "positions": ds.positions,
        "reactions": ds.reactions,
        "sources": ds.sources,
        "actors": ds.actors,
        "fact checks": ds.fact_checks,
    }
    lines.append("records per table: " + ", ".join(f"{name} {len(frame)}" for name, frame in tables.items()))
    years = (
        pd.DataFrame(
            {
                "talks": ds.talks["start_date"].dt.year.value_counts(),
                "positions": ds.positions["date"].dt.year.value_counts(),
                "reactions": ds.reactions["date"].dt.year.value_counts(),
            }
        )
        .fillna(0)
        .astype(int)
        .sort_index()
    )
    lines.append(
        "per year (talks / positions / reactions): "
        + ", ".join(f"{year} {row.talks}/{row.positions}/{row.reactions}" for year, row in years.iterrows())
    )
    parties = ds.positions["actor_name"].value_counts()
    lines.append("positions per party: " + ", ".join(f"{name} {n}" for name, n in parties.items()))
    formats = ds.talks["format_label"].value_counts()
    lines.append("talks per format: " + ", ".join(f"{name} {n}" for name, n in formats.items()))
    flagged = {
        "disputed": int(ds.positions["disputed"].sum() + ds.reactions["disputed"].sum() + ds.talks["disputed"].sum()),
        "low confidence": int(
            (ds.positions["confidence"] == "low").sum()
            + (ds.reactions["confidence"] == "low").sum()
            + (ds.talks["confidence"] == "low").sum()
        ),
        "single source": int(
            (ds.positions["n_sources"] == 1).sum()
            + (ds.reactions["n_sources"] == 1).sum()
            + (ds.talks["n_sources"] == 1).sum()
        ),
    }
    lines.append("flagged records: " + ", ".join(f"{k} {v}" for k, v in flagged.items()))
    return "\n".join(lines)
