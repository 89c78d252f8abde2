"""The Python API: one object per open case, with a method per stage, for notebooks and scripts.

    import moneytrail as mt
    case = mt.open("case/")
    case.ingest.transactions("transfers.csv", mapping="bank.toml")
    case.detect(["fan-in"], params={"fan-in": {"min_degree": 5}})
    case.findings(kind="typology").to_pandas()

Every method runs the same stage code as the CLI verb of the same name and stores the same results
(stamped, graded, replacing an earlier run with the same parameters; see ``docs/python-api.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from moneytrail.api.results import Findings, Ingested, Linked, Table, Traced
from moneytrail.detect.run import run_detectors
from moneytrail.detect.stage import DetectParams
from moneytrail.evidence.claim_findings import write_claim_findings
from moneytrail.evidence.claims import read_claims_file, store_claims
from moneytrail.evidence.documents import load_name_index
from moneytrail.evidence.sources_file import ingest_sources_file
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import ingest_accounts, ingest_entities, ingest_events, ingest_rates, ingest_transactions
from moneytrail.ingest.mapping import Mapping as ColumnMapping
from moneytrail.link.bounty import link_actor, link_params
from moneytrail.report.build import ReportOptions, write_report
from moneytrail.resolve.pipeline import ResolveResult, resolve_case
from moneytrail.resolve.scoring import Thresholds
from moneytrail.resolve.screening import screen_case
from moneytrail.store import Case
from moneytrail.store.case import case_path
from moneytrail.store.findings import read_findings
from moneytrail.store.sources import SourceRecord
from moneytrail.trace.params import Method, TraceParams


class Ingest:
    """``case.ingest.<what>(path, ...)``: read a file into the case (idempotent by file content)."""

    def __init__(self, case: Case) -> None:
        self._case = case

    def transactions(self, path: Path | str, *, mapping: ColumnMapping | Path | str | None = None,
                     preset: str = "native", source: SourceRecord | None = None) -> Ingested:
        """A transactions file; ``preset`` native | amlworld | amlsim | ftm, ``mapping`` a column mapping
        (a ``Mapping`` or a TOML/YAML file) that overrides the preset."""
        return Ingested([ingest_transactions(self._case, path, preset=preset, mapping=mapping, source=source)])

    def accounts(self, path: Path | str, *, source: SourceRecord | None = None) -> Ingested:
        return Ingested([ingest_accounts(self._case, path, source=source)])

    def entities(self, path: Path | str, *, kind: str = "registry", source: SourceRecord | None = None) -> Ingested:
        """FollowTheMoney entities (JSON lines); ``kind`` (registry, bank_record, sanctions_list, ...) sets
        the default grade of their source."""
        return Ingested([ingest_entities(self._case, path, source_kind=kind, source=source)])

    def events(self, path: Path | str, *, fmt: str = "acled", source: SourceRecord | None = None) -> Ingested:
        return Ingested([ingest_events(self._case, path, fmt=fmt, source=source)])

    def rates(self, path: Path | str) -> Ingested:
        return Ingested([ingest_rates(self._case, path)])

    def sources(self, path: Path | str) -> int:
        """A sources file (YAML: documents with their grade and what they cite); returns how many sources."""
        return int(ingest_sources_file(self._case, path).sources)

    def claims(self, path: Path | str) -> int:
        """Analyst claims (CSV); returns how many new claims were stored."""
        return store_claims(self._case, read_claims_file(Path(path), load_name_index(self._case)))


class Investigation:
    """An open case. ``store`` is the underlying ``store.Case`` (``store.engine`` runs SQL)."""

    def __init__(self, case: Case) -> None:
        self.store = case
        self.ingest = Ingest(case)

    # -- life cycle --------------------------------------------------------------------------
    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Investigation:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Investigation({self.store.path or 'in memory'})"

    # -- stages ------------------------------------------------------------------------------
    def resolve(self, *, match: float = 0.9, review: float = 0.5, full: bool = False) -> ResolveResult:
        """Resolve people and organisations (pair probability >= ``match`` merges, >= ``review`` asks)."""
        return resolve_case(self.store, full=full, thresholds=Thresholds(match=match, review=review))

    def screen(self, list_path: Path | str, *, match: float = 0.9, review: float = 0.5) -> Findings:
        """Screen the case's entities against a list (FtM JSON lines); returns the list's screen findings."""
        hits = screen_case(self.store, list_path, thresholds=Thresholds(match=match, review=review))
        ids = {h.finding_id for h in hits}
        table = read_findings(self.store, kind="screen")
        return Findings(table.filter([fid in ids for fid in table.column("finding_id").to_pylist()]))

    def detect(self, typologies: Sequence[str] | None = None, *,
               params: Mapping[str, Mapping[str, Any]] | None = None) -> Findings:
        """Run typology detectors (all by default; ``moneytrail detect --list`` names them) with threshold
        overrides ``{typology: {name: value}}``; returns this run's findings, best first."""
        chosen = DetectParams(tuple(typologies) if typologies is not None else None,
                              tuple((t, k, v) for t, kv in (params or {}).items() for k, v in kv.items()))
        found = run_detectors(self.store, chosen.typologies, chosen.override_map())
        ids = {f.finding_id for f in found}
        table = read_findings(self.store, kind="typology")
        return Findings(table.filter([fid in ids for fid in table.column("finding_id").to_pylist()]))

    def trace(self, source: str | Sequence[str], *, target: str | Sequence[str] = (), backward: bool = False,
              max_hops: int = 6, max_gap: timedelta = timedelta(days=30), method: str = "fifo",
              min_amount: float = 0.0, **more: Any) -> Traced:
        """Trace money from (``backward``: to) accounts or entities; see ``TraceParams`` for ``more``."""
        params = TraceParams(source=_names(source), target=_names(target), backward=backward, max_hops=max_hops,
                             max_gap=max_gap, method=Method(method), min_amount=min_amount, **more)
        from moneytrail.trace.run import trace
        return Traced(trace(self.store, params))

    def link(self, actor: str, **params: Any) -> Linked:
        """Are payments to ``actor`` made after its events, at a fixed price per casualty (``LinkParams``)?"""
        return Linked(link_actor(self.store, link_params(actor, **params)))

    def claims(self) -> Findings:
        """Every counted claim as a finding graded by independent corroboration (the evidence stage)."""
        write_claim_findings(self.store)
        return self.findings(kind="claim")

    def report(self, out: Path | str, **options: Any) -> Path:
        """Write the HTML case report (``ReportOptions``) to ``out``."""
        write_report(self.store, Path(out), ReportOptions(**options))
        return Path(out)

    # -- reading -----------------------------------------------------------------------------
    def findings(self, kind: str | None = None, *, typology: str | None = None, stage: str | None = None,
                 current_only: bool = False, limit: int | None = None) -> Findings:
        """Stored findings, best first; ``stale`` says a finding was made before the data last changed,
        ``current_only`` leaves those out."""
        return Findings(read_findings(self.store, kind=kind, typology=typology, stage=stage,
                                      current_only=current_only, limit=limit))

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Table:
        """Any read-only query over the case's tables."""
        return Table(self.store.engine.query(query, params))

    def data_version(self) -> str:
        return self.store.data_version()


def synthetic_case(out: Path | str, *, transactions: int = 5_000, seed: int = 7, fmt: str = "native") -> dict[str, Any]:
    """Write a synthetic case (fictional names) to ``out``; returns what was planted (``truth.json``)."""
    truth: dict[str, Any] = generate_case(Path(out), GenerateConfig(transactions=transactions, seed=seed, fmt=fmt))
    return truth


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def open_case(path: Path | str, *, reporting_currency: str = "USD", read_only: bool = False,
              must_exist: bool = False, engine: str | None = None) -> Investigation:
    """Open the case at ``path`` (a folder or a .duckdb file), creating it when there is none yet (unless
    ``must_exist`` or ``read_only``: then a missing case is a ``CaseError``). ``engine`` (duckdb | spark,
    default ``MONEYTRAIL_ENGINE``) is the engine a new case is created on; an existing one opens on its own."""
    if case_path(path).exists() or read_only or must_exist:
        return Investigation(Case.open(path, read_only=read_only))
    return Investigation(Case.create(path, reporting_currency=reporting_currency, engine=engine))
