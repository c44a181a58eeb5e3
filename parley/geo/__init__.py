"""Offline world geometry for the reactions map: outlines, their sizes and centres, and points for tiny states."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pycountry

KM_PER_DEGREE = 111.32  # at the equator; longitudes shrink with the cosine of the latitude


@dataclass(frozen=True)
class Place:
    """Where a state is drawn: its centre (longitude, latitude) and its land area in km² (0 when only a point)."""

    lon: float
    lat: float
    area_km2: float


@lru_cache(maxsize=1)
def world_topology() -> dict:
    """Natural Earth 110m country outlines as TopoJSON (read once per process, never from the network)."""
    return json.loads(resources.files(__package__).joinpath("countries-110m.json").read_text(encoding="utf-8"))


def _rings(topology: dict) -> dict[str, list[list[list[tuple[float, float]]]]]:
    """Each outlined country's polygons (outer ring first, then holes) in longitude and latitude."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:  # quantised and delta-encoded: running sums, then scaled
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)

    def ring(indices: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indices:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points[1:] if out else points)  # consecutive arcs share their end point
        return out

    shapes: dict[str, list[list[list[tuple[float, float]]]]] = {}
    for g in topology["objects"]["countries"]["geometries"]:
        if not g.get("id") or g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        shapes[g["id"]] = [[ring(r) for r in polygon] for polygon in polygons]
    return shapes


def _area_and_centre(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Area (km², unsigned) and centroid of one ring, on a plane scaled by the cosine of its mean latitude.

    Good to a few per cent for the sizes that matter here (is a state too small to see?). A ring cut at the
    antimeridian (Russia, Fiji) is unwrapped first, so its centre is not pulled to the middle of the map."""
    if max(p[0] for p in ring) - min(p[0] for p in ring) > 180:
        ring = [(x + 360 if x < 0 else x, y) for x, y in ring]
    k = math.cos(math.radians(sum(p[1] for p in ring) / len(ring)))
    twice, cx, cy = 0.0, 0.0, 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * k * y1 - x1 * k * y0
        twice += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if twice == 0:
        return 0.0, ring[0][0], ring[0][1]
    lon = (cx / (3 * twice) + 180) % 360 - 180
    return abs(twice) / 2 * KM_PER_DEGREE**2, lon, cy / (3 * twice)


@lru_cache(maxsize=1)
def outlined_places() -> dict[str, Place]:
    """Every outlined country (ISO numeric id): its total area and the centre of its largest polygon."""
    places = {}
    for numeric, polygons in _rings(world_topology()).items():
        total, biggest, centre = 0.0, -1.0, (0.0, 0.0)
        for polygon in polygons:
            outer, *holes = (_area_and_centre(r) for r in polygon)
            area = outer[0] - sum(h[0] for h in holes)
            total += area
            if area > biggest:
                biggest, centre = area, (outer[1], outer[2])
        places[numeric] = Place(centre[0], centre[1], total)
    return places


@lru_cache(maxsize=1)
def point_places() -> dict[str, Place]:
    """States with no outline at 1:110m (the Holy See, Malta, Monaco, ...), as points (see README.md)."""
    text = resources.files(__package__).joinpath("points.csv").read_text(encoding="utf-8")
    return {
        row["numeric"]: Place(float(row["longitude"]), float(row["latitude"]), 0.0)
        for row in csv.DictReader(text.splitlines())
    }


def place_of(numeric: str) -> Place | None:
    """Where a state (ISO numeric id) is drawn; None if the map cannot show it."""
    return outlined_places().get(numeric) or point_places().get(numeric)


@lru_cache(maxsize=1)
def drawable_numeric_ids() -> frozenset[str]:
    # A few outlines (disputed areas) carry no ISO code; they must not match actors that have none either.
    outlined = (g["id"] for g in world_topology()["objects"]["countries"]["geometries"] if g.get("id"))
    return frozenset(outlined) | frozenset(point_places())


def iso3_to_numeric(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.numeric if country else None
