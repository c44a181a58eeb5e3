"""One colour per party, stance and format, shared by every Plotly and Altair chart (colour-blind safe).

Parties use the Okabe–Ito palette; stances and formats use Paul Tol's muted and bright schemes, which stay
distinguishable with the common forms of colour blindness.
"""

from __future__ import annotations

import hashlib

PARTY_COLOURS: dict[str, str] = {
    "RUS": "#D55E00",  # vermillion
    "UKR": "#0072B2",  # blue
    "USA": "#E69F00",  # orange
    "EU": "#56B4E9",  # sky blue
    "TUR": "#009E73",  # bluish green
    "EUROPE": "#CC79A7",  # reddish purple
    "E4": "#882255",
    "COW": "#332288",
    "NATO": "#44AA99",
    "UN": "#117733",
    "VAT": "#DDCC77",
    "CHN": "#999933",
    "FRA": "#AA4499",
    "GBR": "#6699CC",
    "DEU": "#000000",
}
# Extra colours for actors without a fixed one, picked by a stable hash so the colour never changes.
FALLBACK = (
    "#88CCEE",
    "#CC6677",
    "#AA3377",
    "#4477AA",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#EE7733",
    "#0077BB",
    "#33BBEE",
    "#EE3377",
    "#BBBBBB",
    "#997700",
    "#994455",
)

POSITION_STANCE_COLOURS: dict[str, str] = {
    "demand": "#882255",
    "reject": "#CC6677",
    "conditional_accept": "#DDCC77",
    "accept": "#117733",
    "propose": "#332288",
    "reaffirm": "#88CCEE",
    "noncommittal": "#BBBBBB",
}

REACTION_STANCE_COLOURS: dict[str, str] = {
    "welcome": "#DDCC77",
    "support_ukraine": "#332288",
    "support_russia": "#882255",
    "criticise_russia": "#CC6677",
    "criticise_ukraine": "#999933",
    "call_for_ceasefire": "#88CCEE",
    "call_for_sanctions": "#AA4499",
    "offer_mediation": "#117733",
    "offer_guarantees": "#44AA99",
    "concern": "#EE8866",
    "neutral": "#BBBBBB",
}

FORMAT_COLOURS: dict[str, str] = {
    "direct_bilateral": "#EE6677",
    "mediated": "#AA3377",
    "us_russia": "#CCBB44",
    "us_ukraine": "#4477AA",
    "multilateral_summit": "#228833",
}

NO_DATA = "#EEEEEE"


def party_colour(actor_id: str) -> str:
    if actor_id in PARTY_COLOURS:
        return PARTY_COLOURS[actor_id]
    digest = int(hashlib.sha1(actor_id.encode("utf-8")).hexdigest(), 16)
    return FALLBACK[digest % len(FALLBACK)]


def colours_for(codes: list[str], palette: dict[str, str]) -> list[str]:
    return [palette.get(c, NO_DATA) for c in codes]


# Place on an issue's scale (peace plans): one meaning only, from Ukraine's end (rank 1) to Russia's end (highest
# rank). Paul Tol's diverging "BuRd" scheme (colour-blind safe, a pale middle); none of these is a party colour, so
# a cell never reads as "this is Ukraine's plan".
SCALE_UKRAINE_END = "#2166AC"
SCALE_MIDDLE = "#F7F7F7"
SCALE_RUSSIA_END = "#B2182B"
SCALE_COLOURS: tuple[str, ...] = (
    SCALE_UKRAINE_END,
    "#4393C3",
    "#92C5DE",
    "#D1E5F0",
    SCALE_MIDDLE,
    "#FDDBC7",
    "#F4A582",
    "#D6604D",
    SCALE_RUSSIA_END,
)
OFF_SCALE = "#FFFFFF"  # a point that fits no option: drawn hollow, never in a scale colour
