"""Model scores as findings: each cites its transaction, both accounts and the source, and says why.

The explanation is LightGBM's ``pred_contrib`` for that transaction: the features that raised the
score most, each in words with its usual range among ordinary training transactions ("sender paid 7
new counterparties today (usual: 0–1)"). Findings carry ``kind='learn'`` so a re-run replaces them,
and their score is the model's probability, so they rank beside the rule findings.

When the model has a typology model (``learn_typology``), a finding's typology is the one it predicts for
the payment, with its probability and the runners-up in the details and in words ("Shaped like a fan-in
(p 0.87; next: cycle 0.08)") and the flagged payments around it that the typology read ("Flagged payments
around it: a fan-in-shaped piece of 6 payments among 7 accounts ... Within a day of it the sender paid 0 other
flagged receivers and the receiver was paid by 3 other flagged senders."); without one (training labels named no
typology) it is ``learned`` and the explanation says why. A payment the typology model names with more than one
typology (``TypologyModel.name_shares``, one share per typology) gets one finding per typology, each saying all of
them ("Shaped like a fan-out (p 0.46) or a scatter-gather (p 0.31)"), so each is counted, and its precision
measured, under its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from moneytrail.detect.features import describe
from moneytrail.detect.flagged_shape import SHAPE_FEATURES, SHAPES
from moneytrail.detect.learn_transactions import TransactionModel
from moneytrail.detect.learn_typology import UNTYPED, shape_words
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case

KIND = "learn"
TYPOLOGY = UNTYPED


def explain_row(model: TransactionModel, x_row: np.ndarray, contrib_row: np.ndarray, top: int = 3) -> list[str]:
    """The ``top`` features that raised this row's score most, in words."""
    names = model.spec.names
    order = np.argsort(-contrib_row[:-1])[:top]
    return [describe(names[i], float(x_row[i]), model.usual.get(names[i])) for i in order if contrib_row[i] > 0]


# The typologies a finding names (the likeliest first) with their probabilities, and the next two not named.
Shape = tuple[list[tuple[str, float | None]], list[tuple[str, float]]]


def typology_of_rows(model: TransactionModel, xt: np.ndarray) -> list[Shape]:
    """Per row of the typology model's inputs ``xt``: the typologies it names (the likeliest, and those reaching
    their share of it, ``TypologyModel.name_shares``) with their probabilities, and the next two
    (``[(learned, None)], []`` untyped)."""
    if model.typology is None:
        return [([(TYPOLOGY, None)], [])] * len(xt)
    prob = model.typology.probabilities(xt)
    named = model.typology.named(prob)
    classes = model.typology.classes
    out: list[Shape] = []
    for row, names in zip(prob, named, strict=True):
        order = np.argsort(-row)
        out.append(([(classes[j], float(row[j])) for j in order if names[j]],
                    [(classes[j], round(float(row[j]), 4)) for j in order if not names[j]][:2]))
    return [(n, [(t, p) for t, p in a if p >= 0.005]) for n, a in out]


def piece_words(shape_row: np.ndarray) -> str:
    """'Flagged payments around it: a fan-in-shaped piece of 6 payments among 7 accounts (sender: 0 flagged
    in, 1 out; receiver: 6 in, 0 out).'"""
    v = dict(zip(SHAPE_FEATURES, (float(a) for a in shape_row), strict=True))
    name = SHAPES[int(v["shape_code"])]
    kind = "a single flagged payment" if name == "single" else (
        f"a {name}-shaped piece" if name != "other" else "a piece of no simple shape")
    size = "" if name == "single" else (f" of {int(v['shape_piece_payments'])} payments among "
                                       f"{int(v['shape_piece_accounts'])} accounts")
    out_near, in_near = int(v["local_sender_out_near"]) - 1, int(v["local_receiver_in_near"]) - 1
    near = (f" Within a day of it the sender paid {out_near} other flagged receiver{'s' * (out_near != 1)} and the "
            f"receiver was paid by {in_near} other flagged sender{'s' * (in_near != 1)}."
            if out_near or in_near else "")
    return (f"Flagged payments around it: {kind}{size} (sender: {int(v['shape_sender_in'])} flagged in, "
            f"{int(v['shape_sender_out'])} out; receiver: {int(v['shape_receiver_in'])} in, "
            f"{int(v['shape_receiver_out'])} out).{near}")


def earlier_flags(model: TransactionModel, features: pa.Table, x: np.ndarray, flagged: np.ndarray,
                  mask: np.ndarray | None) -> np.ndarray | None:
    """Rows outside ``mask`` in the typology's shape window before the first flagged row that the model flags
    (scored here: model flags, never labels), so an attempt begun before the scored part keeps its start."""
    window = model.typology.shape_window_s if model.typology is not None else None
    if mask is None or window is None or not len(flagged):
        return None
    t = np.asarray(features.column("t").to_numpy(), dtype=np.float64)
    first = t[flagged].min()
    rows = np.flatnonzero(~mask & (t >= first - window) & (t < first))
    return rows[model.predict(x[rows]) >= model.threshold] if len(rows) else rows


def typology_inputs(case: Case, model: TransactionModel, features: pa.Table, x: np.ndarray, flagged: np.ndarray,
                    mask: np.ndarray | None, labels: pa.Table | None) -> np.ndarray:
    """The typology model's inputs for the ``flagged`` rows (within ``mask``, the scored part): the shape of the
    flagged payments around each, and the known ``labels`` before the first row of ``mask`` at their ends."""
    assert model.typology is not None
    t = np.asarray(features.column("t").to_numpy(), dtype=np.float64)
    start = float(t[mask].min()) if mask is not None and mask.any() else float(t[flagged].min())
    return model.typology.inputs(case, features, x, flagged, earlier_flags(model, features, x, flagged, mask),
                                 labels, start)


def score_findings(case: Case, model: TransactionModel, features: pa.Table, x: np.ndarray, scores: np.ndarray,
                   *, mask: np.ndarray | None = None, limit: int = 500, params: dict[str, Any] | None = None,
                   labels: pa.Table | None = None) -> list[Finding]:
    """Findings for the rows (within ``mask``) scoring at least the model's threshold, best first: one per
    typology the typology model names for a row (``TypologyModel.named``). ``labels``: the known labelled payments
    (txn_id, typology), read by the history inputs only before the first row of ``mask``."""
    eligible = scores >= model.threshold
    if mask is not None:
        eligible &= mask
    flagged = np.flatnonzero(eligible)
    order = np.argsort(-scores[flagged], kind="stable")[:limit]
    idx = flagged[order]
    if not len(idx):
        return []
    contrib = model.contributions(x[idx])
    # The typology reads the shape of all flagged payments around each (not only the ``limit`` listed).
    xt = (typology_inputs(case, model, features, x, flagged, mask, labels)[order] if model.typology is not None
          else x[idx])
    shapes = typology_of_rows(model, xt)
    width = x.shape[1]  # the shape inputs follow the transaction features
    around = (xt[:, width:width + len(SHAPE_FEATURES)] if model.typology is not None and model.typology.shape_window_s
              else None)
    ids = [str(features.column("txn_id")[int(i)].as_py()) for i in idx]
    with case.engine.run() as run:
        name = run.arrow(pa.table({"txn_id": pa.array(ids, pa.string())}), hint="learn_rows").name
        rows = case.engine.query(
            f"SELECT t.txn_id, t.ts, t.from_account, t.to_account, t.amount, t.currency, t.source_id "
            f"FROM {name} n JOIN transactions t ON t.txn_id = n.txn_id").to_pylist()
    by_id = {str(r["txn_id"]): r for r in rows}
    findings = []
    for k, i in enumerate(idx):
        row = by_id[ids[k]]
        reasons = explain_row(model, x[i], contrib[k])
        score = float(scores[i])
        named, alternatives = shapes[k]
        p_top = named[0][1]
        shape = (shape_words(named[0][0], p_top, alternatives, [(n, float(p or 0)) for n, p in named[1:]]) + ". "
                 if p_top is not None else "Typology unknown: the labels it was trained on name none. ")
        if around is not None:
            shape += piece_words(around[k]) + " "
        refs = [FindingRef("transaction", ids[k], "subject"), FindingRef("account", str(row["from_account"]), "sender"),
                FindingRef("account", str(row["to_account"]), "receiver")]
        if row["source_id"]:
            refs.append(FindingRef("source", str(row["source_id"]), "data"))
        for typology, p_typology in named:
            others = [(n, round(float(p or 0), 4)) for n, p in named if n != typology] + alternatives
            findings.append(Finding(
                kind=KIND, typology=typology,
                title=f"Model flags payment {row['from_account']} -> {row['to_account']}"
                      + (f" ({typology}-shaped)" if p_typology is not None else ""),
                score=round(score, 6),
                explanation=(shape + f"A LightGBM model (trained on data {model.training_hash[:12]}) gives this "
                             f"payment of {row['amount']:,.2f} {row['currency'] or ''} a laundering score of "
                             f"{score:.2f} (threshold {model.threshold:.2f}). Why: "
                             + "; ".join(reasons or ["no single feature"]) + "."),
                refs=refs, params={"threshold": model.threshold, **(params or {}), **(
                    {"typology_shape_window_days": round(model.typology.shape_window_s / 86_400, 2),
                     "typology_name_shares": model.typology.name_shares}
                    if model.typology is not None and model.typology.shape_window_s else {})},
                query="detect.features.transaction_features", start=row["ts"], end=row["ts"],
                amount=float(row["amount"]) if row["amount"] is not None else None, currency=row["currency"],
                details={"reasons": reasons, "training_hash": model.training_hash,
                         **({"typology_probability": round(p_typology, 4),
                             "typology_alternatives": [[n, p] for n, p in others],
                             "typology_named": [[n, round(float(p or 0), 4)] for n, p in named]}
                            if p_typology is not None else {}),
                         "contributions": {model.spec.names[j]: float(contrib[k][j])
                                           for j in np.argsort(-contrib[k][:-1])[:5]}}))
    return findings
