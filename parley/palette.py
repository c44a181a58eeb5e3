"""One palette per meaning, shared by every Plotly and Altair chart; colour-blind safe by their sources.

Meanings and sources (all designed to stay distinguishable with the common forms of colour blindness):
- parties (categorical): Okabe & Ito's palette, then Paul Tol's muted and bright schemes;
- position stances (ordered, reject to accept): Paul Tol's diverging PRGn (purple = reject, green = accept), a mid
  grey in the middle (Tol's own middle is near white and vanishes on a white page);
- reaction stances (diverging between the two sides, neutral in the middle): ColorBrewer's PuOr (marked
  colour-blind safe by ColorBrewer), orange on Russia's side, purple on Ukraine's, and colours from Tol's light and
  pale schemes for the stances that take no side (picked so that every two stay apart under simulated deuteranopia,
  protanopia and tritanopia: tests/core/test_palette.py);
- talk formats (categorical): Paul Tol's bright scheme;
- place on an issue's scale (peace plans): Paul Tol's diverging BuRd, blue at Ukraine's end, red at Russia's;
- commitment statuses: ColorBrewer Blues up the 0-3 scale, Tol's vibrant red and orange for the broken ones.
Two meanings drawn on the same page never share a colour (tests/core/test_palette.py, tests/app/test_palette_pages.py).
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
    "UN": "#CC6677",  # not Tol's dark green: that would read as "accept" beside the stance matrix
    "VAT": "#DDCC77",
    "CHN": "#999933",
    "FRA": "#AA4499",
    "GBR": "#6699CC",
    "DEU": "#661100",  # not black: black marks the peace plans drawn beside the parties
}
# Extra colours for actors without a fixed one, picked by a stable hash so the colour never changes. No greens or
# greys (the stance scale's accept end and middle), and no colour of another palette.
FALLBACK = (
    "#88CCEE",
    "#66CCEE",
    "#33BBEE",
    "#0077BB",
    "#004488",
    "#EE3377",
    "#EE99AA",
    "#EECC66",
    "#997700",
    "#994455",
)

# Ordered from the reject end to the accept end: legends, scales and stacks follow this order.
POSITION_STANCE_ORDER: tuple[str, ...] = (
    "reject",
    "demand",
    "reaffirm",
    "noncommittal",
    "propose",
    "conditional_accept",
    "accept",
)
POSITION_STANCE_COLOURS: dict[str, str] = {
    "reject": "#762A83",
    "demand": "#9970AB",
    "reaffirm": "#C2A5CF",
    "noncommittal": "#BBBBBB",
    "propose": "#ACD39E",
    "conditional_accept": "#5AAE61",
    "accept": "#1B7837",
}

# From Russia's side to Ukraine's, the stances that take no side in the middle (neutral at its centre).
REACTION_STANCE_ORDER: tuple[str, ...] = (
    "support_russia",
    "criticise_ukraine",
    "concern",
    "call_for_sanctions",
    "call_for_ceasefire",
    "neutral",
    "welcome",
    "offer_mediation",
    "offer_guarantees",
    "criticise_russia",
    "support_ukraine",
)
REACTION_STANCE_COLOURS: dict[str, str] = {
    "support_russia": "#B35806",
    "criticise_ukraine": "#E08214",
    "concern": "#EEDD88",
    "call_for_sanctions": "#225555",
    "call_for_ceasefire": "#CCDDAA",
    "neutral": "#999999",
    "welcome": "#99DDFF",
    "offer_mediation": "#BBCC33",
    "offer_guarantees": "#B2ABD2",
    "criticise_russia": "#8073AC",
    "support_ukraine": "#542788",
}

FORMAT_COLOURS: dict[str, str] = {
    "direct_bilateral": "#EE6677",
    "mediated": "#AA3377",
    "us_russia": "#CCBB44",
    "us_ukraine": "#4477AA",
    "multilateral_summit": "#228833",
}

# Commitment statuses: light to dark blue up the Peace Accords Matrix scale; the two broken ones off it.
STATUS_COLOURS: dict[str, str] = {
    "not_started": "#DDDDDD",
    "minimal": "#9ECAE1",
    "intermediate": "#4292C6",
    "full": "#08306B",
    "violated": "#CC3311",
    "lapsed": "#EE7733",
}

NO_DATA = "#EEEEEE"
PLAN_COLOUR = "#000000"  # peace plans beside the parties' options: black, never a party's colour
# Records per month (the Overview's coverage strip): a grey ramp, so it borrows no hue from the formats beside it.
COUNT_RAMP: tuple[str, str] = ("#F0F0F0", "#252525")
# Streamlit's accent (selected filter tags, toggles, links): a slate no chart uses, so a tag never reads as a party.
ACCENT = "#3E5C76"


def party_colour(actor_id: str) -> str:
    if actor_id in PARTY_COLOURS:
        return PARTY_COLOURS[actor_id]
    digest = int(hashlib.sha1(actor_id.encode("utf-8")).hexdigest(), 16)
    return FALLBACK[digest % len(FALLBACK)]


def colours_for(codes: list[str], palette: dict[str, str]) -> list[str]:
    return [palette.get(c, NO_DATA) for c in codes]


def in_order(codes: list[str] | dict[str, str], order: tuple[str, ...]) -> list[str]:
    """The codes in the palette's order; codes it does not know (added to the codebook later) follow as given."""
    known = [c for c in order if c in codes]
    return known + [c for c in codes if c not in order]


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

# Every palette by meaning, for the Codebook's legend and the tests: (meaning, codebook scheme or None, colours).
MEANINGS: tuple[tuple[str, str | None, dict[str, str]], ...] = (
    ("Party", "actor", PARTY_COLOURS),
    (
        "Position stance (reject → accept)",
        "position_stance",
        {c: POSITION_STANCE_COLOURS[c] for c in POSITION_STANCE_ORDER},
    ),
    (
        "Reaction stance (Russia's side → neutral → Ukraine's side)",
        "reaction_stance",
        {c: REACTION_STANCE_COLOURS[c] for c in REACTION_STANCE_ORDER},
    ),
    ("Talk format", "talk_format", FORMAT_COLOURS),
    ("Commitment status", "commitment_status", STATUS_COLOURS),
    (
        "Place on an issue's scale (Ukraine's end → Russia's end)",
        None,
        {f"{i + 1} of {len(SCALE_COLOURS)}": c for i, c in enumerate(SCALE_COLOURS)},
    ),
)
