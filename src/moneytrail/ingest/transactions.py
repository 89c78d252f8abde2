"""Transactions from CSV (plain or gzip) or Parquet, mapped by a preset or a user mapping, set-wise in SQL.

Every row read is stored in ``transactions`` or quarantined with its line and reason, in one DB
transaction per file. Conversion to the reporting currency: rows already in it need no rate; when the
case has rates (``ingest rates``), a row whose currency has no rate on its day is quarantined, never
guessed; when the case has no rates at all, such rows are stored with ``amount_rc`` NULL and are
converted later by ``ingest rates`` (``rates_status`` in the ingest details says so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from moneytrail.ingest.csvfile import (
    Staged,
    check_records_read,
    collect_rejects,
    drop_rejects,
    piece_scan,
    quarantine_rejects,
    read_header,
    reading,
    settle_staged,
    shift_lines,
)
from moneytrail.ingest.duplicates import settle_duplicate_transactions
from moneytrail.ingest.filelog import FileIngest, file_ingest
from moneytrail.ingest.mapping import PRESETS, Mapping
from moneytrail.ingest.result import IngestError, IngestResult, Progress
from moneytrail.ingest.sqltext import account_key_sql, label_sql, literal, text_sql, timestamp_sql
from moneytrail.ingest.statement_sql import Sides, amount_sql, local_time_sql, mapped_sql, statement_sides_sql
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_TXN_COLUMNS = ("txn_id", "ts", "from_account", "to_account", "amount", "currency", "amount_paid", "currency_paid",
                "amount_rc", "channel", "source_id", "origin_line", "label", "label_typology", "ingest_no", "memo")


def currency_sql(expr: str, names: dict[str, str]) -> str:
    """Currency names mapped to codes; three-letter text is taken as a code; anything else is NULL."""
    fallback = f"CASE WHEN length({expr}) = 3 THEN upper({expr}) END"
    if not names:
        return fallback
    # One hashed map lookup per row instead of a CASE that compares every name in turn.
    lookup = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in names.items())
    return f"coalesce(MAP {{{lookup}}}[{expr}], {fallback})"


def statement_sides(m: Mapping, cols: dict[str, str]) -> Sides:
    present = {f: text_sql(cols[m.columns[f]]) for f in m.columns if m.columns[f] in cols}
    amount = amount_sql(present.get("amount", "CAST(NULL AS VARCHAR)"), m)
    return statement_sides_sql(m, present, amount, {c: text_sql(cols[c]) for c in m.kind_columns if c in cols})


def paid_like_received_sql(m: Mapping, cols: dict[str, str], paid: str, received: str,
                           parse: Callable[[str], str]) -> str:
    """``parse(paid)``, except on rows whose paid text is the received text: there the received field's
    value, which the select list computes anyway (the engine evaluates a repeated expression once). Paid and
    received amounts and currencies differ only on exchanges (AMLworld), so most rows parse one of each."""
    if not all(f in m.columns and m.columns[f] in cols for f in (paid, received)):
        return parse(paid)
    same = f"raw.{cols[m.columns[paid]]} = raw.{cols[m.columns[received]]}"
    return f"CASE WHEN {same} THEN {parse(received)} ELSE {parse(paid)} END"


def parsed_sql(m: Mapping, cols: dict[str, str], *, reporting_currency: str) -> str:
    """Select list parsing the raw text columns into typed fields plus the row's own problems."""
    def col(f: str) -> str:
        return text_sql(cols[m.columns[f]]) if f in m.columns and m.columns[f] in cols else "CAST(NULL AS VARCHAR)"

    bank_default = literal(m.default_bank) if m.default_bank is not None else "''"
    ts = local_time_sql(timestamp_sql(col("timestamp"), m.timestamp_formats, m.step_base_date, m.step_unit), m)
    default_cur = literal(m.default_currency or reporting_currency)
    currency = currency_sql(col("currency"), m.currency_names) if "currency" in m.columns else default_cur
    currency_paid = currency_sql(col("currency_paid"), m.currency_names) if "currency_paid" in m.columns else "NULL"
    txn_id = "CAST(NULL AS VARCHAR)" if m.positional_ids else col("txn_id")
    amount = amount_sql(col("amount"), m)
    if m.statement:
        sides = statement_sides(m, cols)
    else:
        from_bank = f"coalesce({col('from_bank')}, {bank_default})" if m.default_bank else col("from_bank")
        to_bank = f"coalesce({col('to_bank')}, {bank_default})" if m.default_bank else col("to_bank")
        sides = Sides(from_account=account_key_sql(from_bank, col("from_account")), from_raw=col("from_account"),
                      to_account=account_key_sql(to_bank, col("to_account")), to_raw=col("to_account"),
                      amount=amount, problem="CAST(NULL AS VARCHAR)")
    channel = mapped_sql(col("channel"), m.channel_names)
    amount_paid = paid_like_received_sql(m, cols, "amount_paid", "amount", lambda f: amount_sql(col(f), m))
    if "currency_paid" in m.columns:
        currency_paid = paid_like_received_sql(m, cols, "currency_paid", "currency",
                                               lambda f: currency_sql(col(f), m.currency_names))
    return (f"raw._k, {txn_id} AS txn_id, {ts} AS ts, {col('timestamp')} AS ts_text, "
            f"{sides.from_account} AS from_account, {sides.from_raw} AS from_acct_raw, "
            f"{sides.to_account} AS to_account, {sides.to_raw} AS to_acct_raw, "
            f"{sides.amount} AS amount, {col('amount')} AS amount_text, {sides.problem} AS side_problem, "
            f"{currency} AS currency, {col('currency')} AS currency_text, "
            f"{amount_paid} AS amount_paid, {currency_paid} AS currency_paid, "
            f"{channel} AS channel, {col('source_ref')} AS source_ref, {label_sql(col('label'))} AS label, "
            f"{col('label_typology')} AS label_typology, {col('memo')} AS memo")


def reason_sql(*, has_rates: bool, reporting_currency: str, has_txn_id: bool) -> str:
    """The first problem of a parsed row (NULL when it is good), for quarantine."""
    checks = [
        ("p.ts IS NULL", "'unparseable timestamp ' || coalesce(quote_text, '(empty)')".replace(
            "quote_text", "'''' || p.ts_text || ''''")),
        ("p.amount IS NULL", "'unparseable amount ' || coalesce('''' || p.amount_text || '''', '(empty)')"),
        ("p.ts < TIMESTAMP '1000-01-01'", "'timestamp before the year 1000: ' || p.ts_text || ' (a two-digit year "
                                          "read with %Y? add a %y format)'"),
        ("isnan(p.amount)", "'amount is NaN'"),
        ("isinf(p.amount)", "'amount is infinite'"),
        ("p.amount < 0", "'negative amount ' || p.amount_text"),
        ("p.side_problem IS NOT NULL", "p.side_problem"),
        ("p.from_acct_raw IS NULL", "'missing from_account'"),
        ("p.to_acct_raw IS NULL", "'missing to_account'"),
        ("p.currency IS NULL", "'unknown currency ' || coalesce('''' || p.currency_text || '''', '(empty)')"),
    ]
    if has_txn_id:
        checks.insert(0, ("p.txn_id IS NULL", "'missing txn_id'"))
    if has_rates:
        checks.append((f"p.currency <> {literal(reporting_currency)} AND r.rate IS NULL",
                       "'no rate for ' || p.currency || ' on ' || CAST(CAST(p.ts AS DATE) AS VARCHAR)"))
    return "CASE " + " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in checks) + " END"


def transactions_stage_sql(m: Mapping, cols: dict[str, str], raw_from: str, *, reporting_currency: str,
                           has_rates: bool, delimiter: str, join_rates: bool = True, with_raw: bool = True) -> str:
    """Parsed rows joined to the day's rate, with ``_reason`` and (for bad rows only) ``_raw`` text.
    ``join_rates=False`` leaves foreign rows' ``amount_rc`` NULL and does not check rates (for a case with
    no rates, where the join finds nothing). ``with_raw=False`` leaves out ``_raw`` (a second evaluation of
    the reason per row) for a pass that keeps good rows only."""
    rc = literal(reporting_currency)
    reason = reason_sql(has_rates=has_rates and join_rates, reporting_currency=reporting_currency,
                        has_txn_id=not m.positional_ids)
    rate = "r.rate" if join_rates else "CAST(NULL AS DOUBLE)"
    rates = "LEFT JOIN rates_daily r ON r.currency = p.currency AND r.day = CAST(p.ts AS DATE)" if join_rates else ""
    raw_cols = ", ".join(f"coalesce(p.{c}, '')" for c in cols.values())
    raw = (f", CASE WHEN {reason} IS NOT NULL THEN concat_ws({literal(delimiter)}, {raw_cols}) END AS _raw"
           if with_raw else "")
    passthrough = "".join(f", raw.{c}" for c in cols.values()) if with_raw else ""
    # A statement's direction and account keys are computed once per row, a layer below the parse.
    source = f"(SELECT raw.*, {statement_sides(m, cols).pre} FROM {raw_from}) raw" if m.statement else raw_from
    return (
        f"SELECT p._k, p.txn_id, p.ts, p.from_account, p.to_account, p.amount, p.currency, p.amount_paid, "
        f"p.currency_paid, CASE WHEN p.currency = {rc} THEN p.amount ELSE p.amount * {rate} END AS amount_rc, "
        f"p.channel, p.source_ref, p.label, p.label_typology, p.memo, {reason} AS _reason{raw} "
        f"FROM (SELECT {parsed_sql(m, cols, reporting_currency=reporting_currency)}{passthrough} FROM {source}) p "
        f"{rates}")


def positional_id_sql(fi: FileIngest, line: str) -> str:
    """``<file hash prefix>:<line>``: the id of a row in a file without transaction ids."""
    return f"{literal(fi.file_hash[:12] + ':')} || CAST({line} AS VARCHAR)"


def insert_good_rows_sql(fi: FileIngest, rows: str, line: str) -> str:
    """INSERT into ``transactions`` of the good rows of ``rows`` (a relation from ``transactions_stage_sql``)
    whose line is the expression ``line``; rows without an id get their positional one."""
    return (f"INSERT INTO transactions ({', '.join(_TXN_COLUMNS)}) SELECT coalesce(txn_id, "
            f"{positional_id_sql(fi, line)}), ts, from_account, to_account, amount, currency, amount_paid, "
            f"currency_paid, amount_rc, channel, coalesce(source_ref, {literal(fi.source.source_id)}), {line}, "
            f"label, label_typology, CAST({int(fi.ingest_no)} AS INTEGER), memo FROM {rows} s WHERE _reason IS NULL")


def note_unconverted(fi: FileIngest, unconverted: int) -> None:
    fi.details["amount_rc_missing"] = unconverted
    if unconverted:
        fi.details["rates_status"] = "no rates loaded: amount_rc is NULL until `ingest rates`"


def store_staged_transactions(fi: FileIngest, staged: Staged) -> None:
    """Good staged rows -> transactions, bad ones -> quarantine; counts go to ``fi``."""
    engine = fi.case.engine
    engine.execute(insert_good_rows_sql(fi, staged.from_sql(), "_line"))
    note_unconverted(fi, int(engine.scalar(
        f"SELECT count(*) FROM {staged.table} WHERE _reason IS NULL AND amount_rc IS NULL")))
    settle_staged(fi, staged)


def store_csv_transactions(fi: FileIngest, m: Mapping, build: Callable[..., str], *, rates: bool) -> None:
    """One pass straight into ``transactions``: the file is read as numbered pieces side by side
    (``ingest.csvfile``), parsed, converted at the day's rate and checked in the same statement; good rows
    are stored with their line. Rows may land in any order, as each carries its line. Only when the rows
    stored plus the rejected records do not account for every record is the file read again, for the bad
    rows. Rejected records move the lines (and positional ids) of the rows after them: the rows concerned are
    rewritten with their real lines (``store.rewrites.shift_lines``)."""
    e = fi.case.engine
    ps = piece_scan(fi, delimiter=m.delimiter, required=m.required_columns, tag="", quote=m.quote)
    parse = build(ps.columns, ps.raw, join_rates=rates, with_raw=False)
    with reading(fi), e.joins_as_written():
        good = e.insert(insert_good_rows_sql(fi, f"({parse})", "_k + 1"))
    rejects = collect_rejects(fi, ps)
    rejected, shifts = rejects.count, rejects.shifts
    bad = 0
    if good + rejected != ps.expected:
        again = piece_scan(fi, delimiter=m.delimiter, required=m.required_columns, tag="2", quote=m.quote)
        with reading(fi), e.joins_as_written():
            bad = e.insert("INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, _k + 1, _raw, "
                           f"_reason FROM ({build(again.columns, again.raw, join_rates=rates)}) s "
                           "WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin])
        drop_rejects(fi, again)
    check_records_read(fi, good + bad + rejected, ps.expected)
    if shifts:
        shift_lines(fi, shifts, txn_id_sql=(lambda line: positional_id_sql(fi, line)) if m.positional_ids else None)
    quarantine_rejects(fi, rejects)
    # Without rates, foreign amounts stay unconverted until `ingest rates`; with rates such rows were bad.
    unconverted = 0 if rates else int(e.scalar(
        "SELECT count(*) FROM transactions WHERE ingest_no = ? AND amount_rc IS NULL", [fi.ingest_no]))
    fi.rows_read += good + bad + rejected
    fi.rows_stored += good
    fi.rows_quarantined += bad + rejected
    note_unconverted(fi, unconverted)


def has_rates(case: Case) -> bool:
    return bool(case.engine.scalar("SELECT count(*) FROM rates_daily"))


def ingest_transaction_file(case: Case, path: Path, m: Mapping, *, source: SourceRecord | None,
                            preset: str, progress: Progress | None = None, mapping_hash: str | None = None,
                            dry_run: bool = False) -> IngestResult:
    """``dry_run``: read, parse and check everything inside the ingest's transaction, describe it
    (``details['dry_run']``, see ``ingest.dryrun``) and roll back: nothing is stored."""
    results: list[IngestResult] = []
    rc = case.reporting_currency
    rates = has_rates(case)
    report: dict[str, Any] = {}
    seen: list[FileIngest] = []
    try:
        with file_ingest(case, path, "transactions", preset=preset, source=source, result=results,
                         mapping_hash=mapping_hash,
                         encoding=None if Path(path).suffix.lower() == ".parquet" else m.encoding or "auto") as fi:
            if fi is not None:
                seen.append(fi)
                _store_file(fi, m, rc=rc, rates=rates, progress=progress)
                if dry_run:
                    from moneytrail.ingest.dryrun import describe_ingest
                    report = describe_ingest(fi, m)
                    raise _RolledBack
    except _RolledBack:
        fi = seen[0]
        return IngestResult(file=str(path), ingest_id=fi.ingest_id, kind="transactions", rows_read=fi.rows_read,
                            rows_stored=fi.rows_stored, rows_quarantined=fi.rows_quarantined, seconds=0.0,
                            details=fi.details | {"dry_run": report})
    return results[0]


class _RolledBack(Exception):
    """Raised inside a dry run's transaction so that it rolls back."""


def _store_file(fi: FileIngest, m: Mapping, *, rc: str, rates: bool, progress: Progress | None) -> None:
    if progress:
        progress("reading", 0, 3)
    parquet = fi.path.suffix.lower() == ".parquet"
    if not parquet:
        m = m.resolved(read_header(fi.data, m.delimiter, [], m.quote))

    def build(cols: dict[str, str], raw: str, join_rates: bool = True, with_raw: bool = True) -> str:
        return transactions_stage_sql(m, cols, raw, reporting_currency=rc, has_rates=rates,
                                      delimiter=m.delimiter, join_rates=join_rates, with_raw=with_raw)

    if parquet:
        from moneytrail.ingest.parquetfile import stage_parquet
        with fi.case.engine.run() as run:
            staged = stage_parquet(fi, run, required=m.required_columns, build=build)
            if progress:
                progress("storing", 1, 3)
            store_staged_transactions(fi, staged)
    else:
        if progress:
            progress("storing", 1, 3)
        from moneytrail.ingest.csvnumbered import numbers_lines, store_numbered_csv_transactions
        if numbers_lines(fi.case.engine):  # Spark: its reader gives every record its line
            store_numbered_csv_transactions(fi, m, build, rates=rates, good_rows_sql=insert_good_rows_sql,
                                            note_unconverted=note_unconverted)
        else:
            store_csv_transactions(fi, m, build, rates=rates)
    fi.details["mapping"] = m.name
    settle_duplicate_transactions(fi, positional=m.positional_ids)
    if "memo" in m.columns:
        from moneytrail.ingest.memo_mentions import find_memo_mentions
        find_memo_mentions(fi)
    from moneytrail.ingest.patterns import relink_pattern_transactions  # patterns imports this module
    relinked = relink_pattern_transactions(fi)
    if relinked:
        fi.details["replaced_pattern_transactions"] = relinked
    if progress:
        progress("committing", 2, 3)


def ingest_transactions(case: Case, path: Path | str, *, preset: str = "native",
                        mapping: Mapping | Path | str | None = None, source: SourceRecord | None = None,
                        progress: Progress | None = None, dry_run: bool = False) -> IngestResult:
    """Ingest one transactions file. ``preset``: native | amlworld | amlsim | ftm | bank-statement | paysim |
    berka; ``mapping`` (a Mapping or a TOML/YAML file, docs/mapping.md) overrides the preset. A file is
    ingested once per mapping: a corrected mapping reads it again. ``dry_run`` stores nothing."""
    p = Path(path)
    if preset == "ftm":
        from moneytrail.ingest.entities import ingest_entities
        return ingest_entities(case, p, source=source, source_kind="bank_record", progress=progress)
    if preset == "amlsim" and mapping is None:
        from moneytrail.ingest.amlsim import ingest_amlsim
        return ingest_amlsim(case, p, source=source, progress=progress)
    if preset not in PRESETS:
        raise IngestError(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}, ftm")
    if mapping is None:
        m = PRESETS[preset]
    elif isinstance(mapping, Mapping):
        m = mapping
    else:
        from moneytrail.ingest.mapping import load_mapping
        m = load_mapping(mapping)
    m.check()
    # A preset read as it is keeps the identity ingests always had; any other mapping is part of the key.
    custom = mapping is not None and m != PRESETS.get(m.name)
    return ingest_transaction_file(case, p, m, source=source, preset=preset if mapping is None else m.name,
                                   progress=progress, mapping_hash=m.fingerprint() if custom else None,
                                   dry_run=dry_run)
