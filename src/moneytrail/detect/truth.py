"""Loading ground truth for evaluation, from whatever labels a data set comes with.

Every loader ends in the same two tables the evaluation and the learners read, owned by the engine run
``load_truth`` is called in (``with case.engine.run(): load_truth(case, ...); evaluate(case)``), named
by the engine and found by their role (``truth_tables(case)``), so two runs never see each other's truth:

- ``txn(attempt_id, typology, txn_id)``: labelled attempts and their transactions;
- ``acct(account_key, typology)``: labelled accounts (AMLSim gives labels per account).

Sources: the case's own truth tables (filled by pattern ingest or the generator), an AMLworld
``*_Patterns.txt`` file matched to the stored transactions, an AMLSim folder (``nodes.csv`` account
labels, or ``alert_transactions.csv`` with an ``alert_type`` per transaction), or a generator
``truth.json``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from moneytrail.engine.scratch import Run, ScratchTable
from moneytrail.model.ids import account_key, stable_id
from moneytrail.store import Case

# The roles the truth tables are found by in the engine run that loaded them.
TRUTH_TXN = "truth_txn"
TRUTH_ACCT = "truth_acct"


class TruthError(ValueError):
    """A truth file cannot be read; the message names the file, the line and the reason."""


@dataclass(frozen=True)
class TruthTables:
    """The loaded truth: ``txn`` (attempt_id, typology, txn_id) and ``acct`` (account_key, typology)."""

    txn: ScratchTable
    acct: ScratchTable


def truth_tables(case: Case) -> TruthTables:
    """The truth ``load_truth`` loaded in the open engine run (or one enclosing it)."""
    run = case.engine.current_run()
    txn, acct = (run.find(TRUTH_TXN), run.find(TRUTH_ACCT)) if run is not None else (None, None)
    if txn is None or acct is None:
        raise TruthError("no truth loaded: call load_truth(case, truth) inside `with case.engine.run():` first")
    return TruthTables(txn, acct)


def _open_run(case: Case) -> Run:
    run = case.engine.current_run()
    if run is None:
        raise TruthError("load_truth keeps the truth in the open engine run: call it inside "
                         "`with case.engine.run():`, with the evaluation or learning that reads it")
    return run


def normalise_typology(name: str) -> str:
    """'FAN-OUT', 'fan_out', 'Fan Out' -> 'fan-out', so labels and detectors compare."""
    return "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


@dataclass
class PatternRow:
    line: int
    ts: datetime
    from_account: str
    to_account: str
    amount: float
    currency: str
    amount_paid: float
    currency_paid: str
    payment_format: str


@dataclass
class Attempt:
    attempt_id: str
    typology: str
    detail: str
    line: int
    rows: list[PatternRow] = field(default_factory=list)


def parse_patterns(path: Path) -> list[Attempt]:
    """Parse an AMLworld ``*_Patterns.txt`` file into attempts with their transaction rows."""
    attempts: list[Attempt] = []
    current: Attempt | None = None
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("BEGIN LAUNDERING ATTEMPT"):
                if current is not None:
                    raise TruthError(f"{path}:{number}: BEGIN inside the attempt opened on line {current.line}")
                head = line.split(" - ", 1)[1] if " - " in line else ""
                kind, _, detail = head.partition(":")
                if not kind.strip():
                    raise TruthError(f"{path}:{number}: attempt without a typology")
                current = Attempt(stable_id(path.name, number), normalise_typology(kind), detail.strip(), number)
            elif line.startswith("END LAUNDERING ATTEMPT"):
                if current is None:
                    raise TruthError(f"{path}:{number}: END without BEGIN")
                attempts.append(current)
                current = None
            else:
                if current is None:
                    raise TruthError(f"{path}:{number}: transaction row outside an attempt")
                current.rows.append(_pattern_row(path, number, line))
    if current is not None:
        raise TruthError(f"{path}:{current.line}: attempt never ENDs")
    return attempts


def _pattern_row(path: Path, number: int, line: str) -> PatternRow:
    f = line.split(",")
    if len(f) != 11:
        raise TruthError(f"{path}:{number}: expected 11 comma-separated fields, found {len(f)}")
    try:
        return PatternRow(number, datetime.strptime(f[0], "%Y/%m/%d %H:%M"), account_key(f[1], f[2]),
                          account_key(f[3], f[4]), float(f[5]), f[6], float(f[7]), f[8], f[9])
    except ValueError as exc:
        raise TruthError(f"{path}:{number}: {exc}") from exc


def _register(case: Case, role: str, table: pa.Table | str) -> ScratchTable:
    """Materialise an Arrow table or a query as the truth table ``role`` of the open run."""
    run = _open_run(case)
    sql = table if isinstance(table, str) else f"SELECT * FROM {run.arrow(table, hint=role + '_rows')}"
    return run.name(role, run.materialise(sql, hint=role))


def _empty_truth(case: Case, *, txn: bool, acct: bool) -> None:
    if txn:
        _register(case, TRUTH_TXN, pa.table({"attempt_id": pa.array([], pa.string()),
                                             "typology": pa.array([], pa.string()),
                                             "txn_id": pa.array([], pa.string())}))
    if acct:
        _register(case, TRUTH_ACCT, pa.table({"account_key": pa.array([], pa.string()),
                                              "typology": pa.array([], pa.string())}))


def load_truth_tables(case: Case, *, txn: pa.Table | None = None, acct: pa.Table | None = None) -> TruthTables:
    """Labels already at hand (a notebook's DataFrame as Arrow, a test's rows) as the run's truth:
    ``txn`` (attempt_id, typology, txn_id) and ``acct`` (account_key, typology); a missing one is empty."""
    _empty_truth(case, txn=txn is None, acct=acct is None)
    if txn is not None:
        _register(case, TRUTH_TXN, txn)
    if acct is not None:
        _register(case, TRUTH_ACCT, acct)
    return truth_tables(case)


def match_patterns_sql(rows_table: str) -> str:
    """Stored transactions matching pattern rows on time, both accounts and amount (to the cent)."""
    return (f"SELECT DISTINCT p.attempt_id, p.typology, t.txn_id FROM {rows_table} p JOIN transactions t "
            "ON t.ts = p.ts AND t.from_account = p.from_account AND t.to_account = p.to_account "
            "WHERE abs(t.amount - p.amount) < 0.01 OR abs(coalesce(t.amount_paid, t.amount) - p.amount_paid) < 0.01")


def load_truth(case: Case, truth: str | Path) -> dict[str, Any]:
    """Register the truth views from ``truth`` ('case' for the stored truth tables, or a path)."""
    _open_run(case)
    if str(truth) == "case":
        _normalise_typologies(case, "SELECT a.attempt_id, a.typology, t.txn_id FROM truth_attempts a "
                              "JOIN truth_transactions t ON t.attempt_id = a.attempt_id")
        if "account_labels" in case.table_names():
            # Per-account labels (AMLSim nodes.csv), stored by the ingest stage.
            _register(case, TRUTH_ACCT, "SELECT DISTINCT account_key, coalesce(typology, 'labelled') AS typology "
                      "FROM account_labels WHERE label = 1")
        else:
            _empty_truth(case, txn=False, acct=True)
        loaded = truth_tables(case)
        return {"kind": "case",
                "attempts": int(case.engine.scalar(f"SELECT count(DISTINCT attempt_id) FROM {loaded.txn}")),
                "labelled_accounts": int(case.engine.scalar(f"SELECT count(*) FROM {loaded.acct}"))}
    path = Path(truth)
    if path.is_dir():
        return _load_amlsim(case, path)
    if not path.exists():
        raise TruthError(f"{path}: no such truth file or folder")
    if path.suffix == ".json":
        return _load_truth_json(case, path)
    if path.name.endswith("Patterns.txt"):
        return _load_patterns(case, path)
    if path.name == "nodes.csv" or path.name == "alert_transactions.csv":
        return _load_amlsim(case, path.parent)
    raise TruthError(f"{path}: not a truth file I know (AMLworld *_Patterns.txt, AMLSim folder, truth.json)")


def _normalise_typologies(case: Case, sql: str) -> None:
    """The labelled transactions of ``sql`` (attempt_id, typology, txn_id), typologies normalised."""
    rows = case.engine.query(sql).to_pylist()
    _register(case, TRUTH_TXN, pa.Table.from_pylist(
        [{"attempt_id": str(r["attempt_id"]), "typology": normalise_typology(str(r["typology"])),
          "txn_id": str(r["txn_id"])} for r in rows],
        schema=pa.schema([("attempt_id", pa.string()), ("typology", pa.string()), ("txn_id", pa.string())])))


def _load_patterns(case: Case, path: Path) -> dict[str, Any]:
    attempts = parse_patterns(path)
    cols: dict[str, list[Any]] = {"attempt_id": [], "typology": [], "ts": [], "from_account": [],
                                  "to_account": [], "amount": [], "amount_paid": []}
    for a in attempts:
        for r in a.rows:
            for key, value in (("attempt_id", a.attempt_id), ("typology", a.typology), ("ts", r.ts),
                               ("from_account", r.from_account), ("to_account", r.to_account),
                               ("amount", r.amount), ("amount_paid", r.amount_paid)):
                cols[key].append(value)
    pattern_rows = _open_run(case).arrow(pa.table(cols), hint="pattern_rows")
    txn = _register(case, TRUTH_TXN, match_patterns_sql(str(pattern_rows)))
    _empty_truth(case, txn=False, acct=True)
    matched = int(case.engine.scalar(f"SELECT count(DISTINCT txn_id) FROM {txn}"))
    return {"kind": "amlworld-patterns", "file": str(path), "attempts": len(attempts),
            "pattern_rows": len(cols["ts"]), "matched_transactions": matched}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _load_amlsim(case: Case, folder: Path) -> dict[str, Any]:
    """AMLSim: per-transaction alert types where present, else per-account ``isFraud``/``is_sar``."""
    alerts, nodes, accounts = (folder / "alert_transactions.csv", folder / "nodes.csv", folder / "accounts.csv")
    info: dict[str, Any] = {"kind": "amlsim", "folder": str(folder)}
    if alerts.exists():
        rows = _read_csv(alerts)
        need = {"alert_id", "alert_type", "tran_id"}
        if rows and not need <= set(rows[0]):
            raise TruthError(f"{alerts}:1: header lacks {sorted(need - set(rows[0]))}")
        _register(case, TRUTH_TXN, pa.table({
            "attempt_id": pa.array([r["alert_id"] for r in rows], pa.string()),
            "typology": pa.array([normalise_typology(r["alert_type"]) for r in rows], pa.string()),
            "txn_id": pa.array([r["tran_id"] for r in rows], pa.string())}))
        info["alert_transactions"] = len(rows)
    else:
        _empty_truth(case, txn=True, acct=False)
    labelled: list[str] = []
    if nodes.exists():
        rows = _read_csv(nodes)
        if rows and not {"nodeid", "isFraud"} <= set(rows[0]):
            raise TruthError(f"{nodes}:1: header lacks nodeid/isFraud")
        labelled = [r["nodeid"] for r in rows if r["isFraud"].strip() not in ("0", "", "false", "False")]
    elif accounts.exists():
        rows = _read_csv(accounts)
        key = "acct_id" if rows and "acct_id" in rows[0] else "ACCOUNT_ID"
        labelled = [r[key] for r in rows if r.get("is_sar", r.get("IS_SAR", "")).strip().lower() == "true"]
    elif not alerts.exists():
        raise TruthError(f"{folder}: no nodes.csv, accounts.csv or alert_transactions.csv")
    # AMLSim ids are bare numbers; stored keys carry a bank prefix ("bank:id"), so match on the id part.
    ids = _open_run(case).arrow(pa.table({"account_id": pa.array(labelled, pa.string())}), hint="amlsim_ids")
    acct = _register(
        case, TRUTH_ACCT, "SELECT DISTINCT a.account_key, 'labelled' AS typology FROM (SELECT from_account AS "
        "account_key FROM transactions UNION SELECT to_account FROM transactions) a "
        f"JOIN {ids} i ON substr(a.account_key, instr(a.account_key, ':') + 1) = i.account_id")
    info["labelled_accounts"] = len(labelled)
    info["matched_accounts"] = int(case.engine.scalar(f"SELECT count(*) FROM {acct}"))
    return info


def _load_truth_json(case: Case, path: Path) -> dict[str, Any]:
    """Generator truth: a list of planted patterns, each with a typology and its transaction ids."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TruthError(f"{path}:{exc.lineno}: {exc.msg}") from exc
    items = data.get("patterns", data.get("attempts", data.get("typologies", []))) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise TruthError(f"{path}:1: expected a list of patterns under 'patterns' or 'attempts'")
    attempt_ids: list[str] = []
    typologies: list[str] = []
    txn_ids: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "typology" not in item:
            raise TruthError(f"{path}:1: pattern #{i} has no typology")
        txns = item.get("txn_ids", item.get("transactions")) or []
        for t in txns:
            attempt_ids.append(str(item.get("attempt_id", item.get("id", i))))
            typologies.append(normalise_typology(str(item["typology"])))
            txn_ids.append(str(t["txn_id"] if isinstance(t, dict) else t))
    _register(case, TRUTH_TXN, pa.table({"attempt_id": pa.array(attempt_ids, pa.string()),
                                         "typology": pa.array(typologies, pa.string()),
                                         "txn_id": pa.array(txn_ids, pa.string())}))
    _empty_truth(case, txn=False, acct=True)
    return {"kind": "generator-truth", "file": str(path), "attempts": len(items)}
