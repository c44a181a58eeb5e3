"""The data model in one place: tables, their columns, column kinds and the links between tables."""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds: how a raw CSV cell is checked and converted.
ID = "id"  # unique, required text
TEXT = "text"
DATE = "date"
BOOL = "bool"
INT = "int"
CODE = "code"  # a value from a codebook scheme (or issues.csv for issue_id)
REF = "ref"  # the id of a row in another table
REFS = "refs"  # ';'-separated ids of rows in another table
URL = "url"
ISO3 = "iso3"

LIST_SEP = ";"

# What a text cell may hold besides printable characters (parley.validation refuses the rest at every load and import).
ONE_LINE = "one line"  # names, titles, labels: shown in legends, axis labels and file names, so no control characters
MULTI_LINE = "multi-line"  # prose an analyst may write in paragraphs: tab and line breaks (LF or CRLF) allowed
SYMBOL = "symbol"  # ids, codes, dates, URLs, id lists: compared and joined, so also no invisible or bidi characters


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    scheme: str | None = None  # for CODE columns: the codebook scheme ("issue" means issues.csv)
    ref: str | None = None  # for REF / REFS columns: the referenced table
    chars: str | None = None  # ONE_LINE, MULTI_LINE or SYMBOL; None: ONE_LINE for TEXT columns, SYMBOL for the rest

    @property
    def characters(self) -> str:
        if self.chars is not None:
            return self.chars
        return ONE_LINE if self.kind == TEXT else SYMBOL


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: str | None  # the id column, unique; None for link tables
    unique_together: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _opt(name: str, kind: str, **kw: str) -> Column:
    return Column(name, kind, required=False, **kw)


SOURCES = Table(
    "sources",
    (
        Column("source_id", ID),
        Column("url", URL),
        Column("outlet", TEXT),
        _opt("title", TEXT),
        _opt("published", DATE),
        Column("source_type", CODE, scheme="source_type"),
        _opt("reliability_notes", TEXT, chars=MULTI_LINE),
    ),
    key="source_id",
)

ACTORS = Table(
    "actors",
    (
        Column("actor_id", ID),
        Column("name", TEXT),
        Column("actor_type", CODE, scheme="actor_type"),
        _opt("country_iso3", ISO3),
        _opt("affiliation", REF, ref="actors"),
        _opt("aliases", TEXT),
    ),
    key="actor_id",
)

ISSUES = Table(
    "issues",
    (Column("issue_id", ID), Column("label", TEXT), Column("definition", TEXT, chars=MULTI_LINE)),
    key="issue_id",
)

CODEBOOK = Table(
    "codebook",
    (
        Column("scheme", TEXT, chars=SYMBOL),
        Column("code", TEXT, chars=SYMBOL),
        Column("label", TEXT),
        Column("definition", TEXT, chars=MULTI_LINE),
    ),
    key=None,
    unique_together=("scheme", "code"),
)

TALKS = Table(
    "talks",
    (
        Column("talk_id", ID),
        Column("process_id", CODE, scheme="process"),
        Column("title", TEXT),
        Column("start_date", DATE),
        Column("end_date", DATE),
        Column("city", TEXT),
        _opt("venue", TEXT),
        Column("country_iso3", ISO3),
        Column("format", CODE, scheme="talk_format"),
        Column("status", CODE, scheme="talk_status"),
        Column("outcome", TEXT, chars=MULTI_LINE),
        Column("confidence", CODE, scheme="confidence"),
        Column("disputed", BOOL),
        _opt("notes", TEXT, chars=MULTI_LINE),
        Column("source_ids", REFS, ref="sources"),
    ),
    key="talk_id",
)

TALK_PARTICIPANTS = Table(
    "talk_participants",
    (
        Column("talk_id", REF, ref="talks"),
        Column("actor_id", REF, ref="actors"),
        Column("role", CODE, scheme="participant_role"),
        _opt("delegation_head_id", REF, ref="actors"),
        _opt("notes", TEXT, chars=MULTI_LINE),
    ),
    key=None,
    unique_together=("talk_id", "actor_id"),
)

AGREED_ITEMS = Table(
    "agreed_items",
    (
        Column("item_id", ID),
        Column("talk_id", REF, ref="talks"),
        Column("issue_id", CODE, scheme="issue"),
        Column("summary", TEXT, chars=MULTI_LINE),
        _opt("quantity", INT),
        _opt("quantity_unit", TEXT),
        Column("status", CODE, scheme="item_status"),
        Column("confidence", CODE, scheme="confidence"),
        Column("source_ids", REFS, ref="sources"),
    ),
    key="item_id",
)

POSITIONS = Table(
    "positions",
    (
        Column("position_id", ID),
        Column("date", DATE),
        Column("actor_id", REF, ref="actors"),
        _opt("speaker_id", REF, ref="actors"),
        Column("issue_id", CODE, scheme="issue"),
        Column("stance", CODE, scheme="position_stance"),
        # Checked by validation.validate_options, not with the other links: issue_options is not in TABLES, and the
        # option must also lie on the position's own issue.
        _opt("option_id", REF, ref="issue_options"),
        Column("summary", TEXT, chars=MULTI_LINE),
        _opt("talk_id", REF, ref="talks"),
        _opt("conditions", TEXT, chars=MULTI_LINE),
        Column("confidence", CODE, scheme="confidence"),
        Column("disputed", BOOL),
        _opt("notes", TEXT, chars=MULTI_LINE),
        Column("source_ids", REFS, ref="sources"),
    ),
    key="position_id",
)

REACTIONS = Table(
    "reactions",
    (
        Column("reaction_id", ID),
        Column("date", DATE),
        Column("actor_id", REF, ref="actors"),
        _opt("speaker_id", REF, ref="actors"),
        _opt("talk_id", REF, ref="talks"),
        Column("event", TEXT),
        Column("stance", CODE, scheme="reaction_stance"),
        Column("summary", TEXT, chars=MULTI_LINE),
        Column("confidence", CODE, scheme="confidence"),
        Column("disputed", BOOL),
        _opt("notes", TEXT, chars=MULTI_LINE),
        Column("source_ids", REFS, ref="sources"),
    ),
    key="reaction_id",
)

FACT_CHECKS = Table(
    "fact_checks",
    (
        Column("check_id", ID),
        Column("source_id", REF, ref="sources"),
        Column("claim", TEXT, chars=MULTI_LINE),
        Column("verdict", CODE, scheme="verdict"),
        Column("note", TEXT, chars=MULTI_LINE),
        _opt("record_ids", TEXT, chars=SYMBOL),
        Column("check_source_ids", REFS, ref="sources"),
    ),
    key="check_id",
)

ISSUE_OPTIONS = Table(
    "issue_options",
    (
        Column("issue_id", CODE, scheme="issue"),
        Column("option_id", ID),
        Column("rank", INT),
        Column("label", TEXT),
        Column("definition", TEXT, chars=MULTI_LINE),
        Column("example", TEXT),
    ),
    key="option_id",
    unique_together=("issue_id", "rank"),
)

PLANS = Table(
    "plans",
    (
        Column("plan_id", ID),
        Column("title", TEXT),
        Column("proposer_ids", REFS, ref="actors"),
        Column("presented", DATE),
        Column("status", CODE, scheme="plan_status"),
        _opt("superseded_by", REF, ref="plans"),
        Column("confidence", CODE, scheme="confidence"),
        _opt("notes", TEXT, chars=MULTI_LINE),
        Column("source_ids", REFS, ref="sources"),
    ),
    key="plan_id",
)

PLAN_PROVISIONS = Table(
    "plan_provisions",
    (
        Column("provision_id", ID),
        Column("plan_id", REF, ref="plans"),
        Column("point", INT),
        Column("issue_id", CODE, scheme="issue"),
        # Checked by validation.validate_options, like positions.option_id: the option must be on the point's issue.
        _opt("option_id", REF, ref="issue_options"),
        Column("summary", TEXT, chars=MULTI_LINE),
        Column("confidence", CODE, scheme="confidence"),
        _opt("notes", TEXT, chars=MULTI_LINE),
        Column("source_ids", REFS, ref="sources"),
    ),
    key="provision_id",
)

COMMITMENT_EVENTS = Table(
    "commitment_events",
    (
        Column("event_id", ID),
        Column("item_id", REF, ref="agreed_items"),
        Column("date", DATE),
        Column("status", CODE, scheme="commitment_status"),
        Column("source_ids", REFS, ref="sources"),
        Column("confidence", CODE, scheme="confidence"),
        _opt("note", TEXT, chars=MULTI_LINE),
    ),
    key="event_id",
)

# Load order: codebook and issues first (codes), then the tables that others reference. The import and the export walk
# these tables (the templates, the export zip), so every table an analyst adds records to is here.
TABLES: tuple[Table, ...] = (
    CODEBOOK,
    ISSUES,
    SOURCES,
    ACTORS,
    TALKS,
    TALK_PARTICIPANTS,
    AGREED_ITEMS,
    POSITIONS,
    REACTIONS,
    PLAN_PROVISIONS,
    COMMITMENT_EVENTS,
    FACT_CHECKS,
)
# Tables that change only with a data release (the issue scales, the coded peace plans): read, checked, typed and
# cached with TABLES but kept out of it, because the import and the export know only TABLES, so a zip holding
# issue_options.csv or plans.csv is refused (import_files.RELEASE_ONLY).
RELEASE_TABLES: tuple[Table, ...] = (ISSUE_OPTIONS, PLANS)
ALL_TABLES: tuple[Table, ...] = (*TABLES, *RELEASE_TABLES)
TABLES_BY_NAME = {t.name: t for t in ALL_TABLES}

# Tables an analyst adds records to (imports), in the order a batch is checked and written: a record's references come
# before it (an event's agreed item, a provision's plan is bundled). Codebook, issues, fact checks and RELEASE_TABLES
# change only with a data release.
RECORD_TABLES = (
    "sources",
    "actors",
    "talks",
    "talk_participants",
    "agreed_items",
    "positions",
    "reactions",
    "plan_provisions",
    "commitment_events",
)

# Columns added to a table after its first release: a CSV file or an export written before may leave them out, and
# they are read as empty, so an analyst's older templates and exports still import.
LATER_COLUMNS: dict[str, tuple[str, ...]] = {"positions": ("option_id",)}

# The kinds of actor a column may name. A party (who holds a position, reacts, takes part in a round, proposes a
# plan) is a state, organisation or bloc, so the party filter lists only those; a speaker is the person who said it.
# Checked on every import (validation.validate_actor_types); the bundled data is held to it by a test.
PARTY_TYPES = ("state", "organisation", "bloc")
PERSON_TYPES = ("person",)
ACTOR_TYPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("positions", "actor_id"): PARTY_TYPES,
    ("positions", "speaker_id"): PERSON_TYPES,
    ("reactions", "actor_id"): PARTY_TYPES,
    ("reactions", "speaker_id"): PERSON_TYPES,
    ("talk_participants", "actor_id"): PARTY_TYPES,
    ("talk_participants", "delegation_head_id"): PERSON_TYPES,
    ("plans", "proposer_ids"): PARTY_TYPES,
}

# The ordinal level of each commitment status (the Peace Accords Matrix's 0-3 scale); violated and lapsed lie off it.
COMMITMENT_LEVELS: dict[str, int] = {"not_started": 0, "minimal": 1, "intermediate": 2, "full": 3}
COMMITMENT_BROKEN = ("violated", "lapsed")

PROCESS_DEFAULT = "russia-ukraine"
CONFIDENCE_ORDER = ("high", "medium", "low")
