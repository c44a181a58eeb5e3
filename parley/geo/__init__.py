"""Offline world geometry for the reactions map."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pycountry


@lru_cache(maxsize=1)
def world_topology() -> dict:
    """Natural Earth 110m country outlines as TopoJSON (read once per process, never from the network)."""
    return json.loads(resources.files(__package__).joinpath("countries-110m.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def drawable_numeric_ids() -> frozenset[str]:
    # A few outlines (disputed areas) carry no ISO code; they must not match actors that have none either.
    return frozenset(g["id"] for g in world_topology()["objects"]["countries"]["geometries"] if g.get("id"))


def iso3_to_numeric(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.numeric if country else None
