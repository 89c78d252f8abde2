"""``moneytrail ingest transactions|patterns|entities|events|accounts|rates CASE PATH...``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import TaskID

from moneytrail.cli.ingest import ingest_app
from moneytrail.cli.output import console, fail, print_json, print_table, progress_bar
from moneytrail.ingest import (
    IngestError,
    IngestResult,
    ingest_accounts,
    ingest_entities,
    ingest_events,
    ingest_patterns,
    ingest_rates,
    ingest_transactions,
)
from moneytrail.ingest.compressed import salvaging
from moneytrail.ingest.filelog import SOURCE_KIND, default_source, file_hash
from moneytrail.ingest.mapping import PRESETS, Mapping, load_mapping, mapping_from_flags
from moneytrail.ingest.result import Progress
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case
from moneytrail.store.retract import retract_ingest
from moneytrail.store.sources import SourceRecord


def previous_ingests(case: Case, path: Path, kind: str) -> list[int]:
    """Numbers of earlier ingests of this file's content (any mapping)."""
    return [int(r[0]) for r in case.engine.rows(
        "SELECT ingest_no FROM ingest_log WHERE file_hash = ? AND kind = ? ORDER BY ingest_no",
        [file_hash(path), kind])]

_CASE = typer.Argument(..., help="Case folder or .duckdb file.")
_PATHS = typer.Argument(..., help="Files to ingest.")
_GRADE = typer.Option(None, "--source-grade", help="Admiralty grade of the source, e.g. B2 (default by kind).")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_SALVAGE = typer.Option(False, "--salvage", help="Damaged compressed input: store the complete lines before the "
                        "damage and quarantine the rest, instead of refusing the file.")

Runner = Callable[[Case, Path, SourceRecord | None, Progress], IngestResult]


def _source(path: Path, kind: str, grade: str | None, source_kind: str | None = None) -> SourceRecord | None:
    if grade is None:
        return None
    try:
        parsed = Grade.parse(grade)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--source-grade") from exc
    base = default_source(path, kind, file_hash(path), source_kind)
    return SourceRecord(source_id=base.source_id, kind=base.kind, title=base.title, grade=parsed, path=base.path,
                        content_hash=base.content_hash, retrieved_at=base.retrieved_at)


def run_ingest(case_path: Path, paths: list[Path], kind: str, grade: str | None, json_out: bool, run: Runner,
               source_kind: str | None = None, salvage: bool = False, max_quarantine: float | None = None) -> None:
    """Ingest each file in turn, print the reconciled summary; exit 1 on the first file that cannot be read,
    2 when a file quarantined more than ``max_quarantine`` of its rows (it stays stored; the hint says how
    to undo it). Any other failure is reported with its file too (no traceback; engine errors without their SQL)."""
    results: list[IngestResult] = []
    error: str | None = None
    with Case.open(case_path) as case, progress_bar(not json_out) as bar:
        for path in paths:
            task = bar.add_task(f"{kind} {path.name}", total=3)

            def progress(stage: str, done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, description=f"{kind} {stage}", completed=done, total=total)

            try:
                if path.is_dir():
                    raise IngestError(f"{path}: is a directory; give a file")
                with salvaging(salvage):
                    results.append(run(case, path, _source(path, kind, grade, source_kind), progress))
            except IngestError as exc:
                error = str(exc)
                break
            except Exception as exc:
                error = f"{path}: cannot ingest: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                break
            bar.update(task, completed=3)
    totals = {k: sum(getattr(r, k) for r in results)
              for k in ("rows_read", "rows_stored", "rows_quarantined", "rows_duplicate")}
    if json_out:
        print_json({"ingests": [r.to_dict() for r in results], "totals": totals, "error": error})
    else:
        print_table(f"ingest {kind}", ["file", "read", "stored", "quarantined", "duplicates", "seconds", "note"],
                    [[r.file, r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_duplicate, f"{r.seconds:.2f}",
                      "skipped" if r.skipped else ""] for r in results])
        skipped = sum(1 for r in results if r.skipped)
        if skipped:
            console.print(f"{skipped} file(s) already ingested (same content): nothing added")
        console.print(f"read {totals['rows_read']:,} = stored {totals['rows_stored']:,} + quarantined "
                      f"{totals['rows_quarantined']:,} + duplicates {totals['rows_duplicate']:,}"
                      + ("  (see `moneytrail quarantine`)" if totals["rows_quarantined"] else "")
                      + ("  (already in the case: see table `duplicates`)" if totals["rows_duplicate"] else ""))
    if error:
        fail(error)
        raise typer.Exit(1)
    if max_quarantine is not None:
        over = [r for r in results if not r.skipped and r.rows_read
                and r.rows_quarantined > max_quarantine * r.rows_read]
        for r in over:
            number = r.details.get("ingest_no", "N")
            fail(f"{r.file}: {r.rows_quarantined:,} of {r.rows_read:,} rows quarantined "
                 f"({r.rows_quarantined / r.rows_read:.1%}, more than {max_quarantine:.0%}). See the reasons with "
                 f"`moneytrail quarantine {case_path}` or a `--dry-run`; fix the mapping, then "
                 f"`moneytrail ingest undo {case_path} {number}` and ingest again (or raise --max-quarantine).")
        if over:
            raise typer.Exit(2)


def _mapping(preset: str, mapping: Path | None, columns: list[str], delimiter: str | None,
             currency: str | None = None) -> Mapping | None:
    if mapping is not None:
        m = load_mapping(mapping)
        return mapping_from_flags([], currency=currency, base=m) if currency else m
    if columns or delimiter or currency:
        return mapping_from_flags(columns, delimiter=delimiter, base=PRESETS.get(preset), currency=currency)
    return None


def _print_dry_run(result: IngestResult) -> None:
    report = result.details.get("dry_run", {})
    enc = report.get("encoding") or {}
    console.print(f"dry run of {result.file}: nothing stored")
    console.print(f"encoding: {enc.get('name', 'utf-8')} ({enc.get('why', 'as given')})")
    lay = report.get("layout", {})
    console.print("layout: " + ", ".join(f"{k} {v!r}" for k, v in lay.items() if v is not None))
    console.print(f"read {result.rows_read:,} = would store {result.rows_stored:,} + quarantine "
                  f"{result.rows_quarantined:,}")
    rows = report.get("first_rows", [])
    if rows:
        print_table("first parsed rows", list(rows[0]), [list(r.values()) for r in rows])
    reasons = report.get("quarantine_reasons", {})
    if reasons:
        print_table("quarantine reasons", ["reason", "rows", "first line", "example"],
                    [[k, v["count"], v["first_line"], v["example"]] for k, v in reasons.items()])
    for hint in report.get("hints", []):
        console.print(f"hint: {hint}")


def register(app: typer.Typer) -> None:
    @ingest_app.command("transactions")
    def transactions(case: Path = _CASE, paths: list[Path] = _PATHS,
                     preset: str = typer.Option("native", "--preset", help="native | amlworld | amlsim | ftm | "
                                                "bank-statement | paysim | berka"),
                     mapping: Path | None = typer.Option(None, "--mapping",
                                                         help="Mapping file (TOML or YAML, docs/mapping.md)."),
                     column: list[str] = typer.Option([], "--column", help="FIELD=COLUMN, repeatable."),
                     delimiter: str | None = typer.Option(None, "--delimiter", help="Field delimiter."),
                     currency: str | None = typer.Option(None, "--currency", help="The file's currency, when it "
                                                         "has no currency column (PaySim names none)."),
                     dry_run: bool = typer.Option(False, "--dry-run", help="Show the first parsed rows, encoding, "
                                                  "layout and quarantine reasons; store nothing."),
                     replace_previous: bool = typer.Option(False, "--replace", help="First retract earlier "
                                                           "ingests of the same file content (any mapping)."),
                     max_quarantine: float = typer.Option(0.05, "--max-quarantine", help="Exit 2 when a file "
                                                          "quarantines more than this share of its rows."),
                     source_grade: str | None = _GRADE, json_out: bool = _JSON, salvage: bool = _SALVAGE) -> None:
        """Transactions from CSV (plain, gzip, bzip2 or xz), Parquet, bank exports, AMLworld, AMLSim, PaySim,
        Berka or FtM."""
        try:
            m = _mapping(preset, mapping, column, delimiter, currency)
        except IngestError as exc:
            fail(str(exc))
            raise typer.Exit(1) from exc
        if dry_run:
            with Case.open(case) as c:
                for path in paths:
                    try:
                        result = ingest_transactions(c, path, preset=preset, mapping=m, dry_run=True)
                    except IngestError as exc:
                        fail(str(exc))
                        raise typer.Exit(1) from exc
                    if json_out:
                        print_json(result.to_dict())
                    elif result.skipped:
                        console.print(f"{path}: already ingested with this mapping (ingest {result.ingest_id})")
                    else:
                        _print_dry_run(result)
            return
        if replace_previous:
            with Case.open(case) as c:
                for path in paths:
                    for number in previous_ingests(c, path, "transactions"):
                        done = retract_ingest(c, number)
                        console.print(f"replaced: retracted ingest {number} of {done.file}")
        run_ingest(case, paths, "transactions", source_grade, json_out,
                   lambda c, p, s, prog: ingest_transactions(c, p, preset=preset, mapping=m, source=s, progress=prog),
                   salvage=salvage, max_quarantine=max_quarantine)

    @ingest_app.command("patterns")
    def patterns(case: Path = _CASE, paths: list[Path] = _PATHS, source_grade: str | None = _GRADE,
                 json_out: bool = _JSON, salvage: bool = _SALVAGE) -> None:
        """AMLworld *_Patterns.txt: transactions plus ground-truth laundering attempts."""
        run_ingest(case, paths, "patterns", source_grade, json_out,
                   lambda c, p, s, prog: ingest_patterns(c, p, source=s, progress=prog), salvage=salvage)

    @ingest_app.command("entities")
    def entities(case: Path = _CASE, paths: list[Path] = _PATHS,
                 source_kind: str = typer.Option("registry", "--source-kind",
                                                 help="registry | sanctions_list | bank_record | ..."),
                 source_grade: str | None = _GRADE, json_out: bool = _JSON, salvage: bool = _SALVAGE) -> None:
        """FtM JSON-lines entities, stored as statements."""
        run_ingest(case, paths, "entities", source_grade, json_out,
                   lambda c, p, s, prog: ingest_entities(c, p, source=s, source_kind=source_kind, progress=prog),
                   source_kind=source_kind, salvage=salvage)

    @ingest_app.command("events")
    def events(case: Path = _CASE, paths: list[Path] = _PATHS,
               fmt: str = typer.Option("acled", "--format", "--preset", help="acled | gtd"),
               mapping: Path | None = typer.Option(None, "--mapping", help="Event mapping (TOML or YAML): "
                                                   "columns, delimiter, encoding, date formats."),
               max_quarantine: float = typer.Option(0.05, "--max-quarantine", help="Exit 2 when a file "
                                                    "quarantines more than this share of its rows."),
               source_grade: str | None = _GRADE, json_out: bool = _JSON, salvage: bool = _SALVAGE) -> None:
        """ACLED (current or older upper-case layout) or GTD event files, in any common encoding."""
        run_ingest(case, paths, "events", source_grade, json_out,
                   lambda c, p, s, prog: ingest_events(c, p, fmt=fmt, source=s, progress=prog, mapping=mapping),
                   salvage=salvage, max_quarantine=max_quarantine)

    @ingest_app.command("accounts")
    def accounts(case: Path = _CASE, paths: list[Path] = _PATHS, source_grade: str | None = _GRADE,
                 json_out: bool = _JSON) -> None:
        """Bank account lists: bank_id,account_id,holder_entity_id,country,currency,iban."""
        run_ingest(case, paths, "accounts", source_grade, json_out,
                   lambda c, p, s, prog: ingest_accounts(c, p, source=s))

    @ingest_app.command("rates")
    def rates(case: Path = _CASE, paths: list[Path] = _PATHS, json_out: bool = _JSON) -> None:
        """Currency rates: currency,valid_from,valid_to,rate (reporting-currency units per unit)."""
        run_ingest(case, paths, "rates", None, json_out, lambda c, p, s, prog: ingest_rates(c, p))


__all__ = ["SOURCE_KIND", "register", "run_ingest"]
