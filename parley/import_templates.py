"""The files an import reads, written out: a header-only CSV template per table, a complete example article
bundle, and the export zip of everything, which imports back unchanged.

Separate from reading and checking: these only produce files, they check nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd

from parley import schema as s
from parley.import_bundle import BUNDLE_FORMAT
from parley.import_restore import CORRECTIONS_FILE, corrections_frame
from parley.loading import DEFAULT_DATA_DIR, Dataset


def template_csv(name: str) -> bytes:
    """A header-only CSV for one record table (UTF-8 with BOM so spreadsheet programs keep accents)."""
    return (",".join(s.TABLES_BY_NAME[name].column_names) + "\n").encode("utf-8-sig")


EXAMPLE_URL = "https://example.org/news/2026/04/15/istanbul-round-example"


def example_bundle() -> bytes:
    """A complete, valid article bundle against the bundled data: copy it and replace every value."""
    bundle = {
        "format": BUNDLE_FORMAT,
        "comment": "EXAMPLE: replace every value. Records without source_ids cite the bundle's source.",
        "source": {
            "url": EXAMPLE_URL,
            "outlet": "Example Wire",
            "title": "Delegations meet again in Istanbul (example)",
            "published": "2026-04-15",
            "source_type": "wire",
            "reliability_notes": "",
        },
        "actors": [
            {
                "actor_id": "example_envoy",
                "name": "Example Envoy",
                "actor_type": "person",
                "country_iso3": "TUR",
                "affiliation": "TUR",
                "aliases": "",
            }
        ],
        "talks": [
            {
                "talk_id": "2026-04-15-istanbul-example",
                "process_id": s.PROCESS_DEFAULT,
                "title": "Istanbul round (example)",
                "start_date": "2026-04-15",
                "end_date": "2026-04-15",
                "city": "Istanbul",
                "venue": "",
                "country_iso3": "TUR",
                "format": "mediated",
                "status": "held",
                "outcome": "The delegations agreed to exchange prisoners and to meet again.",
                "confidence": "medium",
                "disputed": False,
                "notes": "",
            }
        ],
        "talk_participants": [
            {"talk_id": "2026-04-15-istanbul-example", "actor_id": "RUS", "role": "party"},
            {"talk_id": "2026-04-15-istanbul-example", "actor_id": "UKR", "role": "party"},
            {
                "talk_id": "2026-04-15-istanbul-example",
                "actor_id": "TUR",
                "role": "mediator",
                "delegation_head_id": "example_envoy",
            },
        ],
        "agreed_items": [
            {
                "item_id": "itm-9001",
                "talk_id": "2026-04-15-istanbul-example",
                "issue_id": "prisoners",
                "summary": "Exchange of prisoners of war.",
                "quantity": 500,
                "quantity_unit": "prisoners per side",
                "status": "agreed",
                "confidence": "medium",
            }
        ],
        "positions": [
            {
                "position_id": "pos-9001",
                "date": "2026-04-15",
                "actor_id": "UKR",
                "issue_id": "ceasefire",
                "stance": "demand",
                "option_id": "ceasefire.unconditional_first",
                "summary": "Ukraine asked for a full ceasefire before any talks on territory.",
                "talk_id": "2026-04-15-istanbul-example",
                "confidence": "medium",
                "disputed": False,
            }
        ],
        "reactions": [
            {
                "reaction_id": "rea-9001",
                "date": "2026-04-16",
                "actor_id": "UN",
                "talk_id": "2026-04-15-istanbul-example",
                "event": "Istanbul round (example)",
                "stance": "welcome",
                "summary": "The UN welcomed the agreement on prisoners.",
                "confidence": "medium",
                "disputed": False,
            }
        ],
    }
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


DATASET_TABLES = {
    "codebook": "codebook",
    "issues": "issues",
    "sources": "sources",
    "actors": "actors",
    "talks": "talks",
    "talk_participants": "participants",
    "agreed_items": "items",
    "positions": "positions",
    "reactions": "reactions",
    "plan_provisions": "provisions",
    "commitment_events": "commitments",
    "fact_checks": "fact_checks",
}


def to_raw_frames(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """The dataset's tables back as raw CSV text: schema columns only, dates YYYY-MM-DD, booleans true/false."""
    frames: dict[str, pd.DataFrame] = {}
    for table in s.TABLES:
        typed = getattr(dataset, DATASET_TABLES[table.name])
        out = pd.DataFrame(index=typed.index)
        for col in table.columns:
            values = typed[col.name]
            if col.kind == s.DATE:
                text = values.dt.strftime("%Y-%m-%d").fillna("")
            elif col.kind == s.BOOL:
                text = values.map({True: "true", False: "false"})
            elif col.kind == s.INT:
                text = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
            else:
                text = values.astype(str)
            out[col.name] = text.astype(str)
        frames[table.name] = out.reset_index(drop=True)
    return frames


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def export_all(dataset: Dataset, data_dir: Path = DEFAULT_DATA_DIR, corrections: pd.DataFrame | None = None) -> bytes:
    """Everything, bundled plus imported, as a zip of raw CSVs with the data dictionary and the version.

    The CSVs hold the data exactly (no spreadsheet-formula escaping) so that the zip imports back unchanged. With the
    store's corrections (Store.imported_rows()[CORRECTIONS_KEY]) the zip lists them in corrections.csv, which the
    import re-applies (parley.import_restore): a corrected bundled record then restores too."""
    buffer = io.BytesIO()
    raw = to_raw_frames(dataset)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in raw.items():
            archive.writestr(f"{name}.csv", _csv(frame))
        listed = corrections_frame(corrections, raw)
        if len(listed):  # no file when there is nothing to list: older Parleys read such a zip as before
            archive.writestr(CORRECTIONS_FILE, _csv(listed))
        readme = data_dir / "README.md"
        if readme.exists():
            archive.writestr("README.md", readme.read_bytes())
        archive.writestr("VERSION", f"{dataset.version}\n")
    return buffer.getvalue()
