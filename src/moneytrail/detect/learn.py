"""Learning from labelled cases: a small LightGBM model over per-account features computed in SQL.

Features (one row per account): degrees, counts and sums in and out, the largest daily inflow and
outflow, how much of the inflow leaves again (pass-through ratio), and how many findings of each
detector cite the account. Labels come from the truth views (``truth.load_truth``): an account is
positive when it is labelled, or takes part in a labelled transaction. Accounts are split into train
and held-out sets by a hash of their key, so the split is the same on every run. Findings keep the
explanation a reader needs: the features that pushed the score up most (LightGBM ``pred_contrib``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from moneytrail.detect.truth import TruthTables, truth_tables
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case

TYPOLOGY = "learned"
BASE_FEATURES = ("out_txns", "in_txns", "out_degree", "in_degree", "out_sum", "in_sum", "max_day_out",
                 "max_day_in", "pass_ratio", "mean_out", "mean_in")


def account_features_sql() -> str:
    """Per-account features; ``hits_<typology>`` columns are added by ``detector_hits_sql``."""
    amt = "coalesce(amount_rc, amount)"
    return f"""WITH o AS (
  SELECT from_account AS account_key, count(*) AS out_txns, count(DISTINCT to_account) AS out_degree,
         sum({amt}) AS out_sum FROM transactions GROUP BY from_account),
i AS (
  SELECT to_account AS account_key, count(*) AS in_txns, count(DISTINCT from_account) AS in_degree,
         sum({amt}) AS in_sum FROM transactions GROUP BY to_account),
od AS (SELECT account_key, max(s) AS max_day_out FROM (SELECT from_account AS account_key, CAST(ts AS DATE) AS d,
         sum({amt}) AS s FROM transactions GROUP BY from_account, CAST(ts AS DATE)) x GROUP BY account_key),
id AS (SELECT account_key, max(s) AS max_day_in FROM (SELECT to_account AS account_key, CAST(ts AS DATE) AS d,
         sum({amt}) AS s FROM transactions GROUP BY to_account, CAST(ts AS DATE)) x GROUP BY account_key),
a AS (SELECT account_key FROM o UNION SELECT account_key FROM i)
SELECT a.account_key, coalesce(o.out_txns, 0) AS out_txns, coalesce(i.in_txns, 0) AS in_txns,
       coalesce(o.out_degree, 0) AS out_degree, coalesce(i.in_degree, 0) AS in_degree,
       coalesce(o.out_sum, 0) AS out_sum, coalesce(i.in_sum, 0) AS in_sum,
       coalesce(od.max_day_out, 0) AS max_day_out, coalesce(id.max_day_in, 0) AS max_day_in,
       CASE WHEN greatest(coalesce(o.out_sum, 0), coalesce(i.in_sum, 0)) > 0
            THEN least(coalesce(o.out_sum, 0), coalesce(i.in_sum, 0))
                 / greatest(coalesce(o.out_sum, 0), coalesce(i.in_sum, 0)) ELSE 0 END AS pass_ratio,
       coalesce(o.out_sum / o.out_txns, 0) AS mean_out, coalesce(i.in_sum / i.in_txns, 0) AS mean_in
FROM a LEFT JOIN o ON o.account_key = a.account_key LEFT JOIN i ON i.account_key = a.account_key
LEFT JOIN od ON od.account_key = a.account_key LEFT JOIN id ON id.account_key = a.account_key"""


def detector_hits_sql(typologies: list[str]) -> str:
    """(account_key, hits_<typology>...): how many findings of each detector cite the account."""
    cols = ", ".join(f"sum(CASE WHEN f.typology = '{t}' THEN 1 ELSE 0 END) AS {hit_column(t)}" for t in typologies)
    return (f"SELECT r.ref_id AS account_key, {cols} FROM finding_refs r JOIN findings f "
            f"ON f.finding_id = r.finding_id WHERE r.ref_kind = 'account' AND f.kind = 'typology' "
            f"AND f.typology <> '{TYPOLOGY}' GROUP BY r.ref_id")


def hit_column(typology: str) -> str:
    return "hits_" + "".join(ch if ch.isalnum() else "_" for ch in typology)


def labels_sql(truth: TruthTables) -> str:
    """Positive accounts: labelled ones, and both ends of every labelled transaction."""
    return (f"SELECT account_key FROM {truth.acct} UNION SELECT t.from_account FROM transactions t JOIN "
            f"{truth.txn} l ON l.txn_id = t.txn_id UNION SELECT t.to_account FROM transactions t JOIN "
            f"{truth.txn} l ON l.txn_id = t.txn_id")


@dataclass
class LearnResult:
    features: list[str]
    train_accounts: int
    test_accounts: int
    test_positives: int
    metrics: dict[str, Any]
    findings: list[Finding]


def feature_table(case: Case) -> tuple[pa.Table, list[str]]:
    typologies = [str(r[0]) for r in case.engine.rows(
        f"SELECT DISTINCT typology FROM findings WHERE kind = 'typology' AND typology <> '{TYPOLOGY}' ORDER BY 1")]
    hits = [hit_column(t) for t in typologies]
    select_hits = "".join(f", coalesce(h.{c}, 0) AS {c}" for c in hits)
    join_hits = f" LEFT JOIN ({detector_hits_sql(typologies)}) h ON h.account_key = f.account_key" if hits else ""
    sql = (f"SELECT f.*{select_hits}, CASE WHEN l.account_key IS NULL THEN 0 ELSE 1 END AS label "
           f"FROM ({account_features_sql()}) f{join_hits} LEFT JOIN ({labels_sql(truth_tables(case))}) l "
           "ON l.account_key = f.account_key ORDER BY f.account_key")
    return case.engine.query(sql), [*BASE_FEATURES, *hits]


def held_out(keys: list[str], share: float = 0.3) -> np.ndarray:
    """A fixed split: an account is held out when a hash of its key falls in the first ``share``."""
    return np.array([int(hashlib.sha1(k.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share for k in keys])


def prf_at(y: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
    tp = float(np.sum(pred & y))
    p = tp / float(np.sum(pred)) if np.sum(pred) else None
    r = tp / float(np.sum(y)) if np.sum(y) else None
    f1 = 2 * p * r / (p + r) if p and r else None
    return {"precision": p, "recall": r, "f1": f1}


def learn(case: Case, *, threshold: float = 0.5, rounds: int = 200, seed: int = 7) -> LearnResult:
    """Train on the labelled accounts outside the held-out set and report metrics on the held-out set.

    Findings are made for held-out accounts scoring at least ``threshold``, so every reported
    account was scored by a model that never saw its label.
    """
    import lightgbm as lgb

    table, names = feature_table(case)
    keys = [str(k) for k in table.column("account_key").to_pylist()]
    x = np.column_stack([table.column(n).to_numpy(zero_copy_only=False).astype(np.float64) for n in names])
    y = table.column("label").to_numpy().astype(bool)
    test = held_out(keys)
    if y[~test].sum() == 0 or y[~test].all():
        raise ValueError("the training accounts hold only one class; load truth with both labelled and "
                         "unlabelled accounts first")
    positives = max(float(y[~test].sum()), 1.0)
    model = lgb.LGBMClassifier(n_estimators=rounds, learning_rate=0.05, num_leaves=31, min_child_samples=10,
                               scale_pos_weight=float((~y[~test]).sum()) / positives, random_state=seed,
                               verbose=-1, n_jobs=2)
    model.fit(x[~test], y[~test])
    prob = np.asarray(model.predict_proba(x[test]))[:, 1]
    yt = y[test]
    order = np.argsort(-prob)
    k = int(yt.sum())
    metrics: dict[str, Any] = {"at_threshold": prf_at(yt, prob >= threshold),
                               "precision_at_k": float(yt[order[:k]].mean()) if k else None, "k": k}
    contrib = model.booster_.predict(x[test], pred_contrib=True)
    test_keys = [kk for kk, t in zip(keys, test, strict=True) if t]
    findings = _findings(case, test_keys, prob, np.asarray(contrib), names, threshold)
    return LearnResult(names, int((~test).sum()), int(test.sum()), int(yt.sum()), metrics, findings)


def _findings(case: Case, keys: list[str], prob: np.ndarray, contrib: np.ndarray, names: list[str],
              threshold: float) -> list[Finding]:
    chosen = [i for i in np.argsort(-prob) if prob[i] >= threshold]
    if not chosen:
        return []
    accounts = [keys[i] for i in chosen]
    with case.engine.run() as run:
        chosen_accounts = run.arrow(pa.table({"account_key": pa.array(accounts, pa.string())}), hint="learn_accts")
        # The account's largest transfers (up to five each way) are the rows a reader checks first.
        rows = case.engine.query(
            "SELECT account_key, txn_id, source_id, role FROM (SELECT a.account_key, t.txn_id, t.source_id, "
            "CASE WHEN t.from_account = a.account_key THEN 'out' ELSE 'in' END AS role, row_number() OVER "
            "(PARTITION BY a.account_key, t.from_account = a.account_key ORDER BY coalesce(t.amount_rc, t.amount) "
            f"DESC, t.txn_id) AS rn FROM {chosen_accounts} a JOIN transactions t ON t.from_account = a.account_key "
            "OR t.to_account = a.account_key) x WHERE rn <= 5").to_pylist()
    by_account: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_account.setdefault(str(r["account_key"]), []).append(r)
    findings = []
    for i in chosen:
        key = keys[i]
        parts = sorted(zip(names, contrib[i][:-1], strict=True), key=lambda p: -p[1])[:3]
        reasons = ", ".join(f"{n} ({v:+.2f})" for n, v in parts)
        txns = by_account.get(key, [])
        refs = [FindingRef("account", key, "subject")]
        refs += [FindingRef("transaction", str(t["txn_id"]), str(t["role"])) for t in txns]
        refs += [FindingRef("source", s, "data") for s in sorted({str(t["source_id"]) for t in txns})]
        findings.append(Finding(
            kind="typology", typology=TYPOLOGY, title=f"Model flags {key}", score=round(float(prob[i]), 6),
            explanation=(f"A LightGBM model trained on labelled accounts gives {key} a laundering probability of "
                         f"{prob[i]:.2f}. The features that raised it most (log-odds contributions): {reasons}. "
                         "The cited transactions are the account's largest in and out."),
            refs=refs, params={"threshold": threshold}, query=account_features_sql(),
            details={"contributions": {n: float(v) for n, v in parts}}))
    return findings
