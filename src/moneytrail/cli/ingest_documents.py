"""``moneytrail ingest documents|sources|claims``: documents, source registers and claims files."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moneytrail.cli.ingest import ingest_app
from moneytrail.cli.output import fail, print_json, print_table
from moneytrail.evidence.claim_findings import write_claim_findings
from moneytrail.evidence.claims import ClaimsFileError, read_claims_file, store_claims
from moneytrail.evidence.documents import DocumentResult, ingest_documents, load_name_index
from moneytrail.evidence.extract import extract_claims
from moneytrail.evidence.sources_file import SourcesFileError, ingest_sources_file
from moneytrail.evidence.text import DocumentError
from moneytrail.model.admiralty import Grade
from moneytrail.store import Case


def _show_documents(results: list[DocumentResult], extracted: int) -> None:
    print_table("documents", ["file", "source", "type", "chars", "mentions", "note"],
                [[r.path, r.source_id, r.media_type, r.chars,
                  ", ".join(f"{k} {v}" for k, v in sorted(r.mentions.items())),
                  ("already ingested" if r.skipped else "") + (r.message or "")] for r in results])
    print(f"{extracted} new claim(s) extracted, pending review: moneytrail claims CASE --pending")
    for r in results:
        if not r.has_text and r.message:
            fail(r.message)


def register(app: typer.Typer) -> None:  # the subcommands join the ingest group, not app
    @ingest_app.command("documents")
    def documents(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
                  paths: list[Path] = typer.Argument(..., help="Text, Markdown, HTML or PDF files."),
                  grade: str = typer.Option(None, "--grade", help="Admiralty grade of these sources, e.g. B2; "
                                                                  "default: the kind's default."),
                  kind: str = typer.Option("document", "--kind", help="Source kind (document, media, ...)."),
                  json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Ingest documents as sources: store their text, find mentions, extract claims for review."""
        try:
            parsed = Grade.parse(grade) if grade else None
        except ValueError as exc:
            fail(str(exc))
            sys.exit(2)
        with Case.open(case) as c:
            try:
                results = ingest_documents(c, list(paths), grade=parsed, kind=kind)
            except DocumentError as exc:
                fail(str(exc))
                sys.exit(2)
            extracted = sum(extract_claims(c, r.document_id) for r in results if r.has_text)
        if json_out:
            print_json({"documents": [r.__dict__ for r in results], "claims_extracted": extracted})
        else:
            _show_documents(results, extracted)

    @ingest_app.command("sources")
    def sources(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
                path: Path = typer.Argument(..., help="sources.yaml: id, title, publisher, published_at, "
                                                      "reliability, credibility, cites, path."),
                json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Register sources, their grades and citations, and ingest the documents they list."""
        with Case.open(case) as c:
            try:
                result = ingest_sources_file(c, path)
            except (SourcesFileError, DocumentError) as exc:
                fail(str(exc))
                sys.exit(2)
            extracted = sum(extract_claims(c, r.document_id) for r in result.documents if r.has_text)
        if json_out:
            print_json({"sources": result.sources, "citations": result.citations,
                        "placeholders": result.placeholders, "claims_extracted": extracted,
                        "documents": [r.__dict__ for r in result.documents]})
            return
        print(f"{result.sources} source(s), {result.citations} citation(s) registered"
              + (f"; placeholders for cited but undescribed sources: {', '.join(result.placeholders)}"
                 if result.placeholders else ""))
        _show_documents(result.documents, extracted)

    @ingest_app.command("claims")
    def claims(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
               path: Path = typer.Argument(..., help="Claims CSV or YAML: subject, relation, object, date, "
                                                     "amount, currency, source_id."),
               json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Ingest an analyst's claims file; its claims count as asserted by their sources."""
        with Case.open(case) as c:
            try:
                rows = read_claims_file(path, load_name_index(c))
            except ClaimsFileError as exc:
                fail(str(exc))
                sys.exit(2)
            added = store_claims(c, rows)
            write_claim_findings(c)
        unresolved = sum(r.subject_entity_id is None or r.object_entity_id is None for r in rows)
        if json_out:
            print_json({"file": str(path), "claims_read": len(rows), "claims_added": added,
                        "unresolved_names": unresolved})
            return
        print(f"{path}: {len(rows)} claim(s) read, {added} new; {unresolved} with a subject or object not "
              "matched to a known entity")
