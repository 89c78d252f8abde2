"""IBM AMLSim, both formats, with labels.

* sample (``sample/`` folders): ``transactions.csv`` = sourceNodeId,targetNodeId,value,time plus a sibling
  ``nodes.csv`` = nodeid,isFraud,init_balance,fraudStep whose per-account labels go to ``account_labels``.
* full simulator output: ``transactions.csv`` = tran_id,orig_acct,bene_acct,tx_type,base_amt,
  tran_timestamp,is_sar,alert_id (``is_sar`` -> ``label``) plus a sibling ``alert_transactions.csv`` whose
  alerts become ``truth_attempts`` (typology = alert_type) and ``truth_transactions``.

Accounts are keyed ``amlsim:<id>``. AMLSim has no currency: amounts are taken to be in the case's
reporting currency. Time steps are days after 2017-01-01 (``mapping.AMLSIM_BASE_DATE``), the start date
AMLSim's own configuration uses; ISO timestamps are read as they are.
"""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest.csvfile import read_header, settle_staged, stage_csv
from moneytrail.ingest.filelog import file_ingest
from moneytrail.ingest.mapping import AMLSIM_FULL, AMLSIM_SAMPLE
from moneytrail.ingest.result import IngestError, IngestResult, Progress
from moneytrail.ingest.sqltext import label_sql, step_sql, text_sql
from moneytrail.ingest.transactions import ingest_transaction_file
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord


def nodes_stage_sql(cols: dict[str, str], raw: str) -> str:
    node, fraud = text_sql(cols["nodeid"]), text_sql(cols["isFraud"])
    step = step_sql(text_sql(cols["fraudStep"])) if "fraudStep" in cols else "NULL"
    everything = ", ".join(f"coalesce(raw.{c}, '')" for c in cols.values())
    return (f"SELECT raw._k, 'amlsim:' || {node} AS account_key, {label_sql(fraud)} AS label, "
            f"CASE WHEN {step} >= 0 THEN {step} END AS label_step, CASE WHEN {node} IS NULL THEN 'missing nodeid' "
            f"WHEN {label_sql(fraud)} IS NULL THEN 'unparseable isFraud ' || coalesce({fraud}, '(empty)') "
            "END AS _reason, "
            f"concat_ws(',', {everything}) AS _raw FROM {raw}")


def alerts_stage_sql(cols: dict[str, str], raw: str) -> str:
    alert, kind, tran = (text_sql(cols[c]) for c in ("alert_id", "alert_type", "tran_id"))
    everything = ", ".join(f"coalesce(raw.{c}, '')" for c in cols.values())
    return (f"SELECT raw._k, {alert} AS alert_id, {kind} AS alert_type, {tran} AS txn_id, "
            f"CASE WHEN {alert} IS NULL THEN 'missing alert_id' WHEN {tran} IS NULL THEN 'missing tran_id' "
            f"WHEN {kind} IS NULL THEN 'missing alert_type' END AS _reason, concat_ws(',', {everything}) AS _raw "
            f"FROM {raw}")


def ingest_account_labels(case: Case, path: Path, *, source: SourceRecord | None = None) -> IngestResult:
    """AMLSim nodes.csv -> account_labels (label = isFraud, label_step = fraudStep when >= 0)."""
    results: list[IngestResult] = []
    e = case.engine
    with file_ingest(case, path, "labels", preset="amlsim", source=source, result=results) as fi:
        if fi is not None:
            st = stage_csv(fi, delimiter=",", required=["nodeid", "isFraud"], build=nodes_stage_sql, table="_nodes")
            e.execute("INSERT INTO account_labels SELECT account_key, label, CASE WHEN label = 1 THEN 'amlsim' END, "
                      f"label_step, ?, ?, _line, ? FROM {st.from_sql()} s WHERE _reason IS NULL",
                      [fi.source.source_id, fi.origin, fi.ingest_id])
            settle_staged(fi, st)
    return results[0]


def ingest_alerts(case: Case, path: Path, *, source: SourceRecord | None = None) -> IngestResult:
    """AMLSim alert_transactions.csv -> truth_attempts / truth_transactions, and label_typology on transactions."""
    results: list[IngestResult] = []
    e = case.engine
    with file_ingest(case, path, "labels", preset="amlsim", source=source, result=results) as fi:
        if fi is not None:
            st = stage_csv(fi, delimiter=",", required=["alert_id", "alert_type", "tran_id"], build=alerts_stage_sql,
                           table="_alerts")
            prefix = f"amlsim-{fi.file_hash[:10]}-"
            e.execute("INSERT INTO truth_attempts (attempt_id, typology, detail, source_id, origin_file, origin_line) "
                      "SELECT ? || alert_id, min(alert_type), NULL, ?, ?, min(_line) "
                      f"FROM {st.from_sql()} s WHERE _reason IS NULL GROUP BY alert_id",
                      [prefix, fi.source.source_id, fi.origin])
            e.execute(f"INSERT INTO truth_transactions SELECT ? || alert_id, txn_id FROM {st.from_sql()} s "
                      "WHERE _reason IS NULL ORDER BY _line", [prefix])
            e.upsert("transactions", ["txn_id"], "SELECT a.txn_id, a.alert_type AS label_typology FROM "
                     f"(SELECT txn_id, min(alert_type) AS alert_type FROM {st.table} WHERE _reason IS NULL "
                     "GROUP BY txn_id) a WHERE a.txn_id IN (SELECT txn_id FROM transactions "
                     "WHERE from_account LIKE 'amlsim:%')", insert_missing=False)
            fi.details["alerts"] = int(e.scalar(
                f"SELECT count(DISTINCT alert_id) FROM {st.table} WHERE _reason IS NULL"))
            settle_staged(fi, st)
    return results[0]


def ingest_amlsim(case: Case, path: Path, *, source: SourceRecord | None = None,
                  progress: Progress | None = None) -> IngestResult:
    """``path`` is an AMLSim folder or its transactions.csv; the format is told by the header."""
    txn_file = path / "transactions.csv" if path.is_dir() else path
    if not txn_file.is_file():
        raise IngestError(f"{txn_file}: no such file (expected an AMLSim transactions.csv or its folder)")
    header = read_header(txn_file, ",", [])
    if "sourceNodeId" in header:
        result = ingest_transaction_file(case, txn_file, AMLSIM_SAMPLE, source=source, preset="amlsim",
                                         progress=progress)
        labels = txn_file.parent / "nodes.csv"
        if labels.is_file():
            result.details["labels"] = ingest_account_labels(case, labels).to_dict()
    elif "tran_id" in header:
        result = ingest_transaction_file(case, txn_file, AMLSIM_FULL, source=source, preset="amlsim",
                                         progress=progress)
        alerts = txn_file.parent / "alert_transactions.csv"
        if alerts.is_file():
            result.details["labels"] = ingest_alerts(case, alerts).to_dict()
    else:
        raise IngestError(f"{txn_file}: line 1: not an AMLSim transactions header (expected sourceNodeId,... or "
                          f"tran_id,...; found {', '.join(header)})")
    return result
