"""Comparing stored findings with labelled truth: attempts found, and precision/recall/F1.

An attempt counts as found when one finding covers at least half of its transactions; we report
found "by any finding", "by a rule finding of the same typology" (or of a weaker variant of it, e.g.
``cycle-structural``), "by the same typology or the learner" (the learner's per-transaction findings whose
predicted typology is the attempt's together covering half of it), and, apart, by the learner whatever
typology it predicted (``found_learned_any``: no typology claimed). Transaction-level metrics compare the
set of transactions cited by findings with the labelled ones (the learner's findings under
``learned:TYPOLOGY``, apart from the rules'); account-level metrics do the same for accounts (AMLSim labels
accounts, not transactions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moneytrail.detect.learn_typology import UNTYPED
from moneytrail.detect.rule_hits import VARIANT_SUFFIXES, base_typology
from moneytrail.detect.truth import normalise_typology, truth_tables
from moneytrail.store import Case

OVERALL = "(all)"


def finding_txns_sql(scope: str | None = None) -> str:
    """(finding_id, typology, txn_id) for every transaction a typology (or learned) finding cites; with
    ``scope``, a table of txn_ids, only those transactions."""
    within = f" AND r.ref_id IN (SELECT txn_id FROM {scope})" if scope else ""
    return ("SELECT DISTINCT f.finding_id, f.kind, f.typology, r.ref_id AS txn_id FROM findings f "
            "JOIN finding_refs r ON r.finding_id = f.finding_id "
            f"WHERE f.kind IN ('typology', '{LEARN_KIND}') AND r.ref_kind = 'transaction'{within}")


def metric_typology_sql(kind: str, typology: str) -> str:
    """The name a finding's transactions are counted under: its typology, or ``learned:TYPOLOGY`` for the
    learner's (``learned`` when it predicted none), so the learner's precision is never mixed into a rule's."""
    return (f"CASE WHEN {kind} <> '{LEARN_KIND}' THEN {typology} WHEN {typology} = '{LEARNED}' THEN '{LEARNED}' "
            f"ELSE '{LEARNED}:' || {typology} END")


# A finding of a weaker variant (``cycle-structural``, ``fan-in-long``) finds an attempt of its typology.
LEARNED = UNTYPED  # a learner finding whose model predicts no typology
LEARN_KIND = "learn"  # detect.learn_findings.KIND: one finding per transaction the model flags


def same_typology_sql(finding_typology: str, truth_typology: str) -> str:
    """The finding's typology is the attempt's, or one of its weaker variants."""
    variants = ", ".join(f"{truth_typology} || '-{v}'" for v in VARIANT_SUFFIXES)
    return f"({finding_typology} = {truth_typology} OR {finding_typology} IN ({variants}))"


def attempts_found_sql(truth: str, scope: str | None = None) -> str:
    """Per attempt: its size and whether some finding covers half of it: any finding (``found_any``), a rule
    finding of its typology or a weaker variant (``found_same``); ``found_learned`` also counts it found when
    the learner's per-transaction findings predicting its typology together cover half of it, and
    ``found_learned_any`` when the learner's findings do whatever typology they predict."""
    return f"""WITH sizes AS (
  SELECT attempt_id, max(typology) AS typology, count(DISTINCT txn_id) AS n FROM {truth} GROUP BY attempt_id),
ftx AS ({finding_txns_sql(scope)}),
overlap AS (
  SELECT t.attempt_id, f.finding_id, f.kind, f.typology AS ftyp, count(DISTINCT t.txn_id) AS k
  FROM {truth} t JOIN ftx f ON f.txn_id = t.txn_id
  GROUP BY t.attempt_id, f.finding_id, f.kind, f.typology),
learned AS (
  SELECT t.attempt_id, count(DISTINCT t.txn_id) AS k_any,
         count(DISTINCT CASE WHEN f.typology = t.typology THEN t.txn_id END) AS k_same
  FROM {truth} t JOIN ftx f ON f.txn_id = t.txn_id AND f.kind = '{LEARN_KIND}'
  GROUP BY t.attempt_id),
found AS (
  SELECT s.attempt_id, s.typology, s.n,
         max(CASE WHEN 2 * o.k >= s.n THEN 1 ELSE 0 END) AS found_any,
         max(CASE WHEN 2 * o.k >= s.n AND o.kind <> '{LEARN_KIND}'
                   AND {same_typology_sql('o.ftyp', 's.typology')} THEN 1 ELSE 0 END) AS found_same
  FROM sizes s LEFT JOIN overlap o ON o.attempt_id = s.attempt_id
  GROUP BY s.attempt_id, s.typology, s.n)
SELECT f.*, CASE WHEN f.found_same = 1 OR 2 * coalesce(l.k_same, 0) >= f.n THEN 1 ELSE 0 END AS found_learned,
       CASE WHEN f.found_same = 1 OR 2 * coalesce(l.k_any, 0) >= f.n THEN 1 ELSE 0 END AS found_learned_any
FROM found f LEFT JOIN learned l ON l.attempt_id = f.attempt_id"""


def claimed_typology(name: str) -> str:
    """The labelled typology a finding typology claims: 'learned:fan-in' and 'fan-in-long' -> 'fan-in'."""
    return base_typology(name.removeprefix(LEARNED + ":"))


def prf(tp: int, predicted: int, actual: int) -> dict[str, Any]:
    precision = tp / predicted if predicted else None
    recall = tp / actual if actual else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else None)
    return {"tp": tp, "predicted": predicted, "actual": actual, "precision": precision, "recall": recall,
            "f1": f1}


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def window_of_split(case: Case, split: str) -> tuple[datetime, None]:
    """The test part of a temporal split as a window: from its first transaction's time on."""
    from moneytrail.detect.learn_transactions import parse_split

    train, valid, _ = parse_split(split)
    n = case.count("transactions")
    skip = round(n * (train + valid))
    start = case.engine.scalar(f"SELECT ts FROM transactions ORDER BY ts, txn_id LIMIT 1 OFFSET {skip}")
    if start is None:
        raise ValueError(f"split {split}: the case has no transactions in its test part")
    return start, None


def evaluate(case: Case, window: tuple[datetime | None, datetime | None] | None = None) -> dict[str, Any]:
    """Metrics for the findings in ``case`` against the truth ``truth.load_truth`` loaded in the open run.

    With ``window`` (start inclusive, end exclusive; either may be None) only transactions in it count:
    labelled ones, flagged ones and attempts (an attempt's transactions outside the window are left out)."""
    eng = case.engine
    loaded = truth_tables(case)
    truth, total = str(loaded.txn), case.count("transactions")
    with eng.run() as run:
        scope = None
        if window is not None:
            start, end = window
            scope = run.materialise("SELECT txn_id FROM transactions WHERE (? IS NULL OR ts >= ?) "
                                    "AND (? IS NULL OR ts < ?)", [start, start, end, end], hint="scope").name
            truth = run.materialise(f"SELECT * FROM {loaded.txn} WHERE txn_id IN (SELECT txn_id FROM {scope})",
                                    hint="scoped_truth").name
            total = int(eng.scalar(f"SELECT count(*) FROM {scope}"))
        found = run.materialise(attempts_found_sql(truth, scope), hint="found").name
        ftx = run.materialise(f"SELECT finding_id, {metric_typology_sql('kind', 'typology')} AS typology, txn_id "
                              f"FROM ({finding_txns_sql(scope)}) f", hint="ftx").name
        return _metrics(case, found, ftx, total, truth)


def _metrics(case: Case, found: str, ftx: str, total_txns: int, truth: str) -> dict[str, Any]:
    eng = case.engine
    attempts = {}
    sums = "count(*), sum(found_any), sum(found_same), sum(found_learned), sum(found_learned_any)"
    for typology, n, found_any, found_same, found_learned, found_learned_any in eng.rows(
            f"SELECT typology, {sums} FROM {found} GROUP BY typology UNION ALL SELECT '(all)', {sums} "
            f"FROM {found} ORDER BY 1"):
        n, found_any, found_same, found_learned, found_learned_any = int(n), int(found_any or 0), \
            int(found_same or 0), int(found_learned or 0), int(found_learned_any or 0)
        attempts[str(typology)] = {"attempts": n, "found_any": found_any, "found_same": found_same,
                                   "found_learned": found_learned, "found_learned_any": found_learned_any,
                                   "recall_any": _ratio(found_any, n), "recall_same": _ratio(found_same, n),
                                   "recall_same_or_learned": _ratio(found_learned, n),
                                   "recall_same_or_learned_any": _ratio(found_learned_any, n)}
    # Transaction level. Recall of a labelled typology counts cover by any finding; precision of a
    # finding typology counts its transactions that carry any laundering label.
    labelled = f"(SELECT DISTINCT txn_id FROM {truth})"
    txn_metrics: dict[str, dict[str, Any]] = {}
    truth_typs = [str(r[0]) for r in eng.rows(f"SELECT DISTINCT typology FROM {truth} ORDER BY 1")]
    find_typs = [normalise_typology(str(r[0])) for r in eng.rows(f"SELECT DISTINCT typology FROM {ftx} ORDER BY 1")]
    raw_find_typs = {normalise_typology(str(r[0])): str(r[0])
                     for r in eng.rows(f"SELECT DISTINCT typology FROM {ftx}")}
    for typ in sorted(set(truth_typs) | set(find_typs)):
        raw = raw_find_typs.get(typ, typ).replace("'", "''")
        actual = int(eng.scalar(f"SELECT count(DISTINCT txn_id) FROM {truth} WHERE typology = ?", [typ]))
        covered = int(eng.scalar(f"SELECT count(DISTINCT t.txn_id) FROM {truth} t JOIN {ftx} f "
                                 "ON f.txn_id = t.txn_id WHERE t.typology = ?", [typ]))
        predicted = int(eng.scalar(f"SELECT count(DISTINCT txn_id) FROM {ftx} WHERE typology = '{raw}'"))
        hits = int(eng.scalar(f"SELECT count(DISTINCT f.txn_id) FROM {ftx} f JOIN {labelled} l "
                              f"ON l.txn_id = f.txn_id WHERE f.typology = '{raw}'"))
        findings = int(eng.scalar(f"SELECT count(DISTINCT finding_id) FROM {ftx} WHERE typology = '{raw}'"))
        # Of those, labelled with the typology they claim (a variant's or the learner's own base typology).
        claimed = claimed_typology(typ).replace("'", "''")
        hits_same = int(eng.scalar(f"SELECT count(DISTINCT f.txn_id) FROM {ftx} f JOIN {truth} l ON l.txn_id = "
                                   f"f.txn_id AND l.typology = '{claimed}' WHERE f.typology = '{raw}'"))
        precision = _ratio(hits, predicted)
        recall = _ratio(covered, actual)
        txn_metrics[typ] = {
            "labelled": actual, "covered": covered, "flagged": predicted, "flagged_labelled": hits,
            "precision": precision, "recall": recall, "precision_same": _ratio(hits_same, predicted),
            "f1": (2 * precision * recall / (precision + recall)) if precision and recall else None,
            "findings": findings, "findings_per_10k": _ratio(findings * 10_000, total_txns)}
    tp = int(eng.scalar(f"SELECT count(DISTINCT f.txn_id) FROM {ftx} f JOIN {labelled} l ON l.txn_id = f.txn_id"))
    overall = prf(tp, int(eng.scalar(f"SELECT count(DISTINCT txn_id) FROM {ftx}")),
                  int(eng.scalar(f"SELECT count(*) FROM {labelled} l")))
    overall["findings"] = int(eng.scalar(f"SELECT count(DISTINCT finding_id) FROM {ftx}"))
    overall["findings_per_10k"] = _ratio(overall["findings"] * 10_000, total_txns)
    txn_metrics[OVERALL] = overall
    result: dict[str, Any] = {"transactions_in_case": total_txns, "attempts": attempts, "transactions": txn_metrics}
    if int(eng.scalar(f"SELECT count(*) FROM {truth_tables(case).acct}")):
        result["accounts"] = account_metrics(case)
    return result


def account_metrics(case: Case) -> dict[str, dict[str, Any]]:
    """Account-level precision/recall/F1: accounts cited by findings against labelled accounts."""
    eng = case.engine
    labelled = truth_tables(case).acct
    cited = ("SELECT DISTINCT f.typology, r.ref_id AS account_key FROM findings f JOIN finding_refs r "
             "ON r.finding_id = f.finding_id WHERE f.kind = 'typology' AND r.ref_kind = 'account'")
    actual = int(eng.scalar(f"SELECT count(DISTINCT account_key) FROM {labelled}"))
    out: dict[str, dict[str, Any]] = {}
    for typology, predicted, tp in eng.rows(
            f"SELECT c.typology, count(*), count(t.account_key) FROM ({cited}) c LEFT JOIN "
            f"(SELECT DISTINCT account_key FROM {labelled}) t ON t.account_key = c.account_key "
            "GROUP BY c.typology ORDER BY 1"):
        out[normalise_typology(str(typology))] = prf(int(tp), int(predicted), actual)
    row = eng.rows(f"SELECT count(*), count(t.account_key) FROM (SELECT DISTINCT account_key FROM ({cited}) x) c "
                   f"LEFT JOIN (SELECT DISTINCT account_key FROM {labelled}) t ON t.account_key = c.account_key")[0]
    out[OVERALL] = prf(int(row[1]), int(row[0]), actual)
    return out
