"""The transaction-level learner: LightGBM on engine-computed features, a temporal split, saved models.

The field's standard task (Altman et al. 2023; Egressy et al. 2024): classify each transaction,
train on the earliest part of the case, choose the decision threshold on the next part, and report
precision, recall and minority-class F1 on the last part. Labels: a transaction is laundering when it
is labelled in the case (``label``), belongs to a labelled attempt, or runs between two labelled
accounts (AMLSim labels accounts: both ends flagged, the usual edge labelling of its sample sets).

A saved model is two files: LightGBM's own text model at ``MODEL`` and ``MODEL.json`` beside it with the
feature definitions, the threshold, each feature's usual range (for explanations), the training data's
hash and the metrics measured when it was trained.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.detect import features_sql as fsql
from moneytrail.detect.features import FeatureSpec, rule_typologies, transaction_feature_matrix
from moneytrail.detect.learn_typology import TypologyModel, fit_case_typology
from moneytrail.detect.truth import TruthTables, truth_tables
from moneytrail.store import Case

FORMAT = "moneytrail-transaction-model/2"  # /2 adds the typology model; /1 files (none) still load
FORMATS = ("moneytrail-transaction-model/1", FORMAT)
# force_col_wise: left to choose, LightGBM also builds the row-wise layout to time both, a second copy of the
# binned data (``fit`` on 5M rows: 797 MB more at its peak); AMLSim's test P, R and F1 are identical either way.
PARAMS: dict[str, Any] = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 63, "min_child_samples": 20,
                          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
                          "verbose": -1, "num_threads": 1, "seed": 7, "force_col_wise": True}


class LearnError(ValueError):
    """The case cannot be learned from as asked (no labels, one class, bad split)."""


def parse_split(text: str) -> tuple[float, float, float]:
    """'temporal:60/20/20' -> (0.6, 0.2, 0.2)."""
    kind, _, parts = text.partition(":")
    if kind != "temporal":
        raise LearnError(f"split {text!r}: only 'temporal:TRAIN/VALID/TEST' (percentages) is supported")
    try:
        a, b, c = (float(p) for p in (parts or "60/20/20").split("/"))
    except ValueError as exc:
        raise LearnError(f"split {text!r}: expected three numbers like 60/20/20") from exc
    total = a + b + c
    if min(a, b, c) <= 0:
        raise LearnError(f"split {text!r}: every part needs a positive share")
    return a / total, b / total, c / total


def split_parts(n: int, shares: tuple[float, float, float]) -> np.ndarray:
    """Part of each of ``n`` time-ordered rows: 0 train, 1 validation, 2 test."""
    cut1 = round(n * shares[0])
    cut2 = round(n * (shares[0] + shares[1]))
    part = np.full(n, 2, dtype=np.int8)
    part[:cut1] = 0
    part[cut1:cut2] = 1
    return part


def labels_sql(truth: TruthTables) -> str:
    """(txn_id, label) for every transaction, from the case's labels and the loaded truth."""
    return f"""SELECT t.txn_id, CASE WHEN coalesce(t.label, 0) = 1 OR l.txn_id IS NOT NULL
       OR (a.account_key IS NOT NULL AND b.account_key IS NOT NULL) THEN 1 ELSE 0 END AS label
FROM transactions t LEFT JOIN (SELECT DISTINCT txn_id FROM {truth.txn}) l ON l.txn_id = t.txn_id
LEFT JOIN (SELECT DISTINCT account_key FROM {truth.acct}) a ON a.account_key = t.from_account
LEFT JOIN (SELECT DISTINCT account_key FROM {truth.acct}) b ON b.account_key = t.to_account"""


def label_vector(case: Case, features: pa.Table) -> np.ndarray:
    """Each feature row's label, matched by ``txn_id`` without a Python loop; only the laundering rows' ids
    are fetched (a small set), so a large case's ids are not read twice."""
    positive = case.engine.query(f"SELECT txn_id FROM ({labels_sql(truth_tables(case))}) l WHERE label = 1")
    ids = features.column("txn_id").cast(pa.string())
    return np.asarray(pc.is_in(ids, value_set=positive.column("txn_id").cast(pa.string())), dtype=np.int8)


def prf(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = float(np.sum(pred & (y == 1)))
    p = tp / float(np.sum(pred)) if np.sum(pred) else 0.0
    r = tp / float(np.sum(y == 1)) if np.sum(y == 1) else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "flagged": int(np.sum(pred)), "labelled": int(np.sum(y == 1))}


def best_threshold(y: np.ndarray, prob: np.ndarray) -> float:
    """The score cut that maximises minority F1 on ``y`` (the validation part), vectorised over all cuts."""
    order = np.argsort(-prob, kind="stable")
    ys = y[order] == 1
    tp = np.cumsum(ys)
    k = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (k + max(int(ys.sum()), 1))
    if not len(f1) or f1.max() <= 0:
        return 0.5
    i = int(np.argmax(f1))
    # Halfway to the next lower score, so equal scores fall on one side.
    nxt = prob[order[i + 1]] if i + 1 < len(order) else prob[order[i]] - 1e-9
    return float((prob[order[i]] + nxt) / 2)


@dataclass
class Fitted:
    booster: Any
    threshold: float
    validation: dict[str, float]  # measured with the model trained on part 0 alone, at the threshold
    stopped_at: int = 0  # trees of that model (early stopping on part 1)


def rows_of(part: np.ndarray, k: int) -> slice | np.ndarray:
    """The rows of part ``k``: a slice (a view, no copy of the matrix) when they are contiguous, as a temporal
    split's are, else a mask."""
    idx = np.flatnonzero(part == k)
    if len(idx) and idx[-1] - idx[0] + 1 == len(idx):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    mask: np.ndarray = part == k
    return mask


def fit(x: np.ndarray, y: np.ndarray, part: np.ndarray, names: list[str], *, rounds: int = 600,
        refit: bool = True) -> Fitted:
    """Train on part 0 with early stopping on part 1, and choose the threshold on part 1; then (``refit``)
    train again on parts 0 and 1 together, with as many more trees as there are more rows, and keep the
    threshold.

    The refit gives the model the most recent labelled months too, the ones nearest the test part. It was
    chosen by a backtest that never reads the test part: on the AMLworld LI-/HI-Medium mixes (100k), with
    part 0 split 75/25 into training and validation and part 1 as the held-out part, the refit raised part 1's
    F1 on each of 5 seeds (LI 0.962 -> 0.969 mean). The validation figures are the part-0 model's."""
    import lightgbm as lgb

    tr, va = rows_of(part, 0), rows_of(part, 1)
    for name, mask in (("training", tr), ("validation", va)):
        if y[mask].sum() == 0 or y[mask].all():
            raise LearnError(f"the {name} part holds only one class ({int(y[mask].sum())} of {len(y[mask])} "
                             "labelled); load truth with laundering and ordinary transactions first")
    train = lgb.Dataset(x[tr], y[tr], feature_name=names, free_raw_data=True)
    valid = lgb.Dataset(x[va], y[va], reference=train)
    booster = lgb.train(PARAMS, train, num_boost_round=rounds, valid_sets=[valid],
                        callbacks=[lgb.early_stopping(50, verbose=False)])
    prob = np.asarray(booster.predict(x[va], num_iteration=booster.best_iteration))
    threshold = best_threshold(y[va], prob)
    stopped = int(booster.best_iteration or booster.current_iteration())
    fitted = Fitted(booster, threshold, prf(y[va], prob >= threshold), stopped)
    if refit:
        # The first model has given what the refit needs (its trees' count, the threshold): its binned
        # datasets and score buffers go before the refit builds its own (``fit`` on 5M rows: 422 MB less at its peak).
        fitted.booster = None
        del booster, train, valid
        both = rows_of((part > 1).astype(np.int8), 0)  # parts 0 and 1
        n_train, n_both = int(np.sum(part == 0)), int(np.sum(part <= 1))
        fitted.booster = lgb.train(PARAMS, lgb.Dataset(x[both], y[both], feature_name=names, free_raw_data=True),
                                   num_boost_round=max(1, round(stopped * n_both / n_train)))
    fitted.booster.free_dataset()  # a fitted model predicts and explains; it is never trained further
    return fitted


@dataclass
class TransactionModel:
    """A trained model with what it needs to be applied and explained elsewhere."""

    booster: Any
    spec: FeatureSpec
    threshold: float
    usual: dict[str, tuple[float, float]]
    training_hash: str
    metrics: dict[str, Any] = field(default_factory=dict)
    typology: TypologyModel | None = None  # which typology a flagged payment looks like (None: labels had none)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(x, num_iteration=self.booster.best_iteration or None))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(x, num_iteration=self.booster.best_iteration or None,
                                               pred_contrib=True))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(path), num_iteration=self.booster.best_iteration or None)
        typology = self.typology.save(typology_path(path)) if self.typology is not None else None
        sidecar = {"format": FORMAT, "features": self.spec.to_dict(), "threshold": self.threshold,
                   "usual": {k: list(v) for k, v in self.usual.items()}, "training_hash": self.training_hash,
                   "metrics": self.metrics, "params": PARAMS, "typology": typology}
        sidecar_path(path).write_text(json.dumps(sidecar, indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TransactionModel:
        import lightgbm as lgb

        meta_path = sidecar_path(path)
        if not path.is_file() or not meta_path.is_file():
            raise LearnError(f"{path}: a model is the LightGBM file and {meta_path.name} beside it; one is missing")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise LearnError(f"{meta_path}:{exc.lineno}: {exc.msg}") from exc
        if meta.get("format") not in FORMATS:
            raise LearnError(f"{meta_path}:1: format {meta.get('format')!r}, expected {FORMAT!r}")
        feats = meta["features"]
        spec = FeatureSpec(windows={str(k): int(v) for k, v in feats["windows"]},
                           rule_typologies=list(feats["rule_typologies"]),
                           path_cap=int(feats.get("path_cap", fsql.PATH_CAP)))
        if spec.names != feats["names"]:
            raise LearnError(f"{meta_path}: its feature names differ from this version's definitions")
        booster = lgb.Booster(model_file=str(path))
        typology = None
        if meta.get("typology"):
            try:
                typology = TypologyModel.load(path.parent, meta["typology"])
            except FileNotFoundError as exc:
                raise LearnError(f"{meta_path}: {exc}") from exc
        return cls(booster, spec, float(meta["threshold"]),
                   {k: (float(v[0]), float(v[1])) for k, v in meta["usual"].items()}, str(meta["training_hash"]),
                   dict(meta["metrics"]), typology)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def typology_path(path: Path) -> Path:
    """The typology model's LightGBM file, beside the binary model's."""
    return path.with_name(path.name + ".typology")


def usual_ranges(x: np.ndarray, y: np.ndarray, names: list[str], sample: int = 200_000
                 ) -> dict[str, tuple[float, float]]:
    """10th-90th percentile of each feature among ordinary (unlabelled) training transactions (an evenly
    spaced sample of at most ``sample`` of them, so a large case is not copied)."""
    idx = np.flatnonzero(y == 0)
    ordinary = x[idx[:: max(1, -(-len(idx) // sample))]]
    if not len(ordinary):
        return {}
    with warnings.catch_warnings():  # a feature may be empty (NaN) for every ordinary row: it gets no range
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanpercentile(ordinary, 10, axis=0)
        hi = np.nanpercentile(ordinary, 90, axis=0)
    return {n: (float(a), float(b)) for n, a, b in zip(names, lo, hi, strict=True) if a == a and b == b}


def column_rows(column: pa.ChunkedArray, rows: slice | np.ndarray) -> pa.ChunkedArray:
    """The rows ``rows_of`` chose, of an Arrow column aligned with the feature matrix."""
    if isinstance(rows, slice):
        return column.slice(rows.start, rows.stop - rows.start)
    return column.filter(pa.array(rows))


def data_hash(txn_ids: pa.ChunkedArray, y: np.ndarray) -> str:
    """The training data by what it is: its transactions' ids and their labels, in time order.

    Not the feature bytes: window sums added in another order (another engine, more threads) differ in their
    last bits, and the hash must name the same training rows the same way on every run and engine."""
    h = hashlib.sha256()
    for start in range(0, len(txn_ids), 65_536):  # a block of rows at a time (no whole copy)
        block = txn_ids.slice(start, 65_536).to_pylist()
        h.update("\x1f".join(str(v) for v in block).encode())
        h.update(np.ascontiguousarray(y[start:start + 65_536], dtype=np.int8).tobytes())
    return h.hexdigest()[:32]


@dataclass
class LearnedCase:
    model: TransactionModel
    features: pa.Table  # (eid, txn_id, t) per row, in time order
    x: np.ndarray  # the features ``model.spec.names`` of each row (float32)
    labels: np.ndarray
    part: np.ndarray
    test_scores: np.ndarray
    metrics: dict[str, Any]
    seconds: dict[str, float]


def learn_transactions(case: Case, *, split: str = "temporal:60/20/20", rules: bool = True,
                       spec: FeatureSpec | None = None, rounds: int = 600, refit: bool = True) -> LearnedCase:
    """Compute features, train on the first part, threshold on the second, measure on the third.

    The truth must be loaded first, in the open engine run (``truth.load_truth``)."""
    import time

    spec = spec or FeatureSpec(rule_typologies=rule_typologies(case) if rules else [])
    t0, c0 = time.perf_counter(), time.process_time()
    table, x = transaction_feature_matrix(case, spec)
    t1, c1 = time.perf_counter(), time.process_time()
    names = spec.names
    y = label_vector(case, table)
    if not y.any():
        raise LearnError("the case holds only one class: no transaction is labelled; load truth (--truth) "
                         "with laundering labels first")
    part = split_parts(len(y), parse_split(split))
    fitted = fit(x, y, part, names, rounds=rounds, refit=refit)
    t2 = time.perf_counter()
    test, train = part == 2, rows_of(part, 0)
    typology, typology_info = fit_case_typology(case, table, x, y, part, names)
    model = TransactionModel(fitted.booster, spec, fitted.threshold, usual_ranges(x[train], y[train], names),
                             data_hash(column_rows(table.column("txn_id"), train), y[train]), typology=typology)
    scores = model.predict(x[rows_of(part, 2)])
    metrics = {"split": split, "refit": refit,
               "rows": {"train": int((part == 0).sum()), "validation": int((part == 1).sum()), "test": int(test.sum())},
               "threshold": fitted.threshold, "validation": fitted.validation,
               "test": prf(y[test], scores >= fitted.threshold),
               "trees": int(fitted.booster.best_iteration or fitted.booster.current_iteration()),
               "trees_before_refit": fitted.stopped_at,
               "typology": typology_info}
    model.metrics = metrics
    return LearnedCase(model, table, x, y, part, scores, metrics, {"features": t1 - t0, "features_cpu": c1 - c0,
                                                                         "train": t2 - t1})


def score_case(case: Case, model: TransactionModel, *, where: str = "") -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Features, scores and per-feature contributions of every transaction in ``case`` under ``model``."""
    table, x = transaction_feature_matrix(case, model.spec, where=where)
    return table, model.predict(x), x
