"""Command line for analysts and scripts: import, list and undo batches, export everything, validate.

    python -m parley import FILE [FILE ...] [--yes]
    python -m parley batches
    python -m parley undo BATCH_ID
    python -m parley export OUT.zip
    python -m parley validate

Exit code 0 on success, 1 when there are problems (nothing is written then), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from parley.importer import (
    MAX_FILE_BYTES,
    ImportRefused,
    Preview,
    commit,
    export_all,
    preview_import,
    undo_batch,
)
from parley.loading import DEFAULT_DATA_DIR, load_dataset
from parley.schema import TABLES_BY_NAME
from parley.store import CORRECTIONS_KEY, Store, StoreError
from parley.validation import DataValidationError, Problem, escaped

DATA_DIR_ENV = "PARLEY_DATA_DIR"  # the same variable the app reads (components.data)
MAX_LISTED = 500


def say(text: object = "", file=None) -> None:  # type: ignore[no-untyped-def]
    """Print a line; ids, file names and cells come from files and users, so control characters and escape
    sequences in them are shown as escapes (`\\x1b`), never sent to the terminal."""
    lines = str(text).split("\n")
    print("\n".join(escaped(line) for line in lines), file=file or sys.stdout)


def _print_problems(problems: Sequence[Problem], out=None) -> None:  # type: ignore[no-untyped-def]
    for problem in problems[:MAX_LISTED]:
        say(f"  - {problem}", file=out)
    if len(problems) > MAX_LISTED:
        say(f"  ... and {len(problems) - MAX_LISTED} more", file=out)


def _read(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)  # enough to tell that a file is over the cap, never more


def _show_preview(preview: Preview) -> None:
    say(f"Files: {', '.join(preview.files)}")
    for note in preview.notes:
        say(f"Note: {note}")
    if preview.problems:
        say(f"{len(preview.problems)} problem(s) found. Nothing was written.")
        _print_problems(preview.problems)
        return
    say(preview.summary().to_string(index=False))
    for name, frame in preview.new.items():
        if len(frame):
            table = TABLES_BY_NAME[name]
            keys = [table.key] if table.key else list(table.unique_together)
            shown = ", ".join("/".join(values) for values in frame[keys].head(10).itertuples(index=False))
            more = f", ... ({len(frame)} in all)" if len(frame) > 10 else ""
            say(f"New {name}: {shown}{more}")


def _confirm(n: int, yes: bool, corrections: int = 0) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        say("Nothing written: this was a preview. Run again with --yes to write.")
        return False
    try:
        also = f", then re-apply {corrections} correction(s)" if corrections else ""
        answer = input(f"Write these {n} new record(s) as one import batch{also}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        say("Nothing written.")
        return False
    return True


def cmd_import(args: argparse.Namespace, store: Store, data_dir: Path) -> int:
    missing = [p for p in args.files if not p.is_file()]
    if missing:
        say(f"No such file: {', '.join(str(p) for p in missing)}. Nothing was written.", file=sys.stderr)
        return 1
    preview = preview_import([(p.name, _read(p)) for p in args.files], store, data_dir)
    _show_preview(preview)
    if preview.problems:
        return 1
    if not preview.has_changes:
        say("Nothing new to import: every record already exists. Nothing was written.")
        return 0
    if not _confirm(preview.n_new, args.yes, len(preview.corrections)):
        return 0
    sys.stdout.flush()  # the preview shows before a wait for another import's lock
    try:
        batch = commit(preview, store, via="cli")
    except ImportRefused as err:
        say(str(err), file=sys.stderr)
        _print_problems(err.problems, sys.stderr)
        return 1
    if not batch.supersedes:
        counts = ", ".join(f"{name} {n}" for name, n in batch.counts.items() if n)
        say(f"Imported batch {batch.batch_id}: {batch.n_records} record(s) ({counts}).")
        say(f"Undo it with: python -m parley undo {batch.batch_id}")
    if preview.corrections:
        say(
            f"Re-applied {len(preview.corrections)} correction(s) from the export, each as its own batch "
            "(python -m parley batches lists them; a record's corrections are undone newest first)."
        )
    return 0


def cmd_batches(_args: argparse.Namespace, store: Store, _data_dir: Path) -> int:
    batches = store.batches()
    if batches.empty:
        say(f"No imports in {store.url}.")
        return 0
    shown = batches.assign(status=batches["undone_at"].map(lambda u: f"undone {u}" if u else "active"))
    columns = ["batch_id", "imported_at", "via", "n_records", "counts", "supersedes", "files", "status"]
    say(shown[columns].to_string(index=False))
    return 0


def cmd_undo(args: argparse.Namespace, store: Store, data_dir: Path) -> int:
    try:
        batch = undo_batch(store, args.batch_id, data_dir)
    except ImportRefused as err:
        say(str(err), file=sys.stderr)
        _print_problems(err.problems, sys.stderr)
        return 1
    if batch.supersedes:  # a correction: its records stay, as they were before it
        say(f"Undone batch {batch.batch_id}: {batch.superseded} back to the version before it.")
    else:
        say(f"Undone batch {batch.batch_id}: removed {batch.n_records} record(s).")
    return 0


def _load(store: Store, data_dir: Path):  # type: ignore[no-untyped-def]
    try:
        return load_dataset(data_dir, store)
    except DataValidationError as err:
        say(f"The data does not load: {len(err.problems)} problem(s).", file=sys.stderr)
        _print_problems(err.problems, sys.stderr)
        return None


def cmd_export(args: argparse.Namespace, store: Store, data_dir: Path) -> int:
    dataset = _load(store, data_dir)
    if dataset is None:
        return 1
    # The corrections go along (corrections.csv), so that the zip restores a corrected bundled record too.
    args.out.write_bytes(export_all(dataset, data_dir, store.imported_rows()[CORRECTIONS_KEY]))
    say(
        f"Exported {len(dataset.talks)} talks, {len(dataset.positions)} positions, {len(dataset.reactions)} "
        f"reactions and every other table (data version {dataset.version}) to {args.out}."
    )
    return 0


def cmd_validate(_args: argparse.Namespace, store: Store, data_dir: Path) -> int:
    dataset = _load(store, data_dir)
    if dataset is None:
        return 1
    tables = {
        "talks": dataset.talks,
        "participants": dataset.participants,
        "agreed items": dataset.items,
        "positions": dataset.positions,
        "reactions": dataset.reactions,
        "sources": dataset.sources,
        "actors": dataset.actors,
    }
    imported = sum(int((t["origin"] == "imported").sum()) for t in tables.values())
    active = store.batches()
    active = int((active["undone_at"] == "").sum())
    say(f"OK: data version {dataset.version} in {data_dir} and the store {store.url} load without problems.")
    say(" · ".join(f"{len(t):,} {name}" for name, t in tables.items()))
    say(f"{imported:,} imported record(s) in {active} active import batch(es).")
    return 0


COMMANDS = {
    "import": cmd_import,
    "batches": cmd_batches,
    "undo": cmd_undo,
    "export": cmd_export,
    "validate": cmd_validate,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[no-untyped-def]
        # A usage error repeats what was typed (a wrong command, a bad value): escaped like everything else.
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {escaped(message)}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m parley", description="Parley data: import, undo, export, validate.")
    p.add_argument("--data-dir", type=Path, help=f"bundled data folder (default: ${DATA_DIR_ENV} or data/)")
    p.add_argument("--store", help="store URL (default: $PARLEY_STORE_URL or sqlite:///<repo>/.parley/store.sqlite)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    imp = sub.add_parser("import", help="check files, show what would change, write them as one batch")
    imp.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="<table>.csv files, one .json bundle or one .zip export"
    )
    imp.add_argument("-y", "--yes", action="store_true", help="write without asking")
    sub.add_parser("batches", help="list import batches, newest first")
    undo = sub.add_parser("undo", help="remove every record of one import batch")
    undo.add_argument("batch_id", metavar="BATCH_ID")
    export = sub.add_parser("export", help="write everything (bundled plus imported) as a zip of CSVs")
    export.add_argument("out", type=Path, metavar="OUT.zip")
    sub.add_parser("validate", help="check the bundled data and the store together")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    data_dir = args.data_dir or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    store = Store(args.store)
    try:
        return COMMANDS[args.command](args, store, data_dir)
    except StoreError as err:
        say(str(err), file=sys.stderr)
        return 1
    finally:
        store.dispose()


def run() -> int:
    """main(), quiet when its reader goes away (`python -m parley batches | head`): no traceback, exit 141 like
    other commands cut off by a closed pipe."""
    try:
        code = main()
        sys.stdout.flush()  # inside the try: a pipe closed early fails here, not at exit
        return code
    except BrokenPipeError:
        # Python flushes stdout again on exit; pointing it at /dev/null keeps that flush from failing too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(run())
