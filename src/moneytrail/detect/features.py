"""Transaction-level features, computed by the engine: one row per transaction, both ends, several windows.

``transaction_features(case)`` runs the SQL in ``features_sql`` through scratch tables named uniquely
for the run (dropped afterwards) and returns an Arrow table ``(eid, txn_id, t, <features>)`` in time
order: the features' definition, all in SQL. ``transaction_feature_matrix``, what the learner reads, takes
the same structure from that SQL and each end's statistics from one vectorised pass (``features_windows``),
equal to the SQL's (tests compare them). ``describe(name, value)`` words a feature for an explanation
("sender paid 7 new counterparties today"), so a score can say why in the reader's terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from moneytrail.detect import features_sql as fsql
from moneytrail.detect.account_ids import ranges_for
from moneytrail.detect.features_windows import end_features
from moneytrail.engine.scratch import Run
from moneytrail.store import Case

# Cases up to this many transactions overlap the engine's structure query with the end statistics
# (``transaction_feature_matrix``).
OVERLAP_ROWS = 1_000_000
STRUCTURE = (*fsql.STRUCTURE_COLUMNS, *fsql.SENDER_ROW_COLUMNS.values(), "amt_vs_receiver_mean")


def side_features(windows: dict[str, int]) -> list[str]:
    cols = fsql.side_columns(windows)
    return [f"{side}_{c}" for side in ("s", "r") for c in cols]


def hit_column(typology: str) -> str:
    return "hits_" + "".join(ch if ch.isalnum() else "_" for ch in typology)


@dataclass
class FeatureSpec:
    """What a model was trained on: its windows, the rule typologies whose hits it reads, and the columns."""

    windows: dict[str, int] = field(default_factory=lambda: dict(fsql.WINDOWS))
    rule_typologies: list[str] = field(default_factory=list)
    path_cap: int = fsql.PATH_CAP

    @property
    def names(self) -> list[str]:
        return [*STRUCTURE, *side_features(self.windows), *(hit_column(t) for t in self.rule_typologies)]

    def to_dict(self) -> dict[str, object]:
        return {"windows": [[k, v] for k, v in self.windows.items()], "rule_typologies": self.rule_typologies,
                "path_cap": self.path_cap, "names": self.names}


def rule_typologies(case: Case) -> list[str]:
    """Typologies of the stored rule findings (their hits become features)."""
    return [str(r[0]) for r in case.engine.rows(
        "SELECT DISTINCT typology FROM findings WHERE kind = 'typology' ORDER BY 1")]


def transaction_features(case: Case, spec: FeatureSpec | None = None, *, where: str = "") -> pa.Table:
    """Features of every transaction (optionally those matching ``where`` on ``transactions``)."""
    spec = spec or FeatureSpec()
    with case.engine.run() as run:
        parts = _feature_tables(case, run, spec, where)
        stats = run.materialise(parts.stats, hint="feat_stats").name  # read twice here (sender, receiver)
        sql = fsql.assemble_sql(f"({parts.structure})", stats, spec.windows)
        return case.engine.query(f"{sql} ORDER BY x.eid")


def transaction_feature_matrix(case: Case, spec: FeatureSpec, *, where: str = "",
                               batch_rows: int = 200_000) -> tuple[pa.Table, np.ndarray]:
    """``(ids, x)``: the transactions' ``(eid, txn_id, t)`` in time order and their features ``spec.names``
    as a float32 matrix in the same order, for training and scoring at scale.

    The engine numbers the transactions and finds their pair structure (SQL); each end's statistics, the
    values ``features_sql.history_sql`` and ``account_stats_sql`` define, come from one vectorised pass over the
    numbered transactions (``features_windows``: about a quarter of the SQL's CPU time on AMLSim), placed in
    blocks as they are made. The structure is streamed in batches and placed by each row's time-order number
    (``eid``), so neither a sort of a wide result nor a whole Arrow copy of it is ever held."""
    names = spec.names
    column = {name: j for j, name in enumerate(names)}
    own = {**{k: column[v] for k, v in fsql.SENDER_ROW_COLUMNS.items() if k != "amt_vs_mean"},
           "amt_vs_mean": column["amt_vs_sender_mean"]}
    target = {"s": {**own, **{c: column[f"s_{c}"] for c in fsql.side_columns(spec.windows)}},
              "r": {"amt_vs_mean": column["amt_vs_receiver_mean"],
                    **{c: column[f"r_{c}"] for c in fsql.side_columns(spec.windows)}}}
    with case.engine.run() as run:
        parts = _feature_tables(case, run, spec, where, history=False)
        edges = case.engine.query(f"SELECT eid, s, r, t, amt FROM {parts.edges}")
        n = edges.num_rows
        at = edges.column("eid").to_numpy().astype(np.int64) - 1
        arrays = {}
        for name in ("s", "r", "t", "amt"):
            values = edges.column(name).to_numpy()
            arrays[name] = np.empty(n, dtype=values.dtype)
            arrays[name][at] = values
        del edges, at
        x = np.zeros((n, len(names)), dtype=np.float32)
        ids: list[pa.Array] = []
        pos: list[np.ndarray] = []

        def place_structure() -> None:
            for batch in case.engine.batches(parts.structure, batch_rows):
                rows = batch.column("eid").to_numpy().astype(np.int64) - 1
                mine = [c for c in batch.schema.names if c in column]
                x[np.ix_(rows, np.array([column[c] for c in mine], dtype=np.int64))] = _block(batch, mine)
                ids.append(batch.column("txn_id"))
                pos.append(rows)

        # On a case of up to OVERLAP_ROWS transactions the engine computes the structure in a worker thread
        # while the ends' statistics are computed here (the engine is not used here meanwhile; each writes its
        # own columns): wall 0.40-0.55 s against 0.58-0.70 on AMLSim. Larger, one after the other: the overlap
        # stacks the engine's working memory on this pass's (5M transactions: learn's peak RSS 5,213 MB with
        # it, 4,843 without, main's 4,840).
        with ThreadPoolExecutor(1) as pool:
            structure = pool.submit(place_structure) if n <= OVERLAP_ROWS else None
            for block in end_features(arrays["s"], arrays["r"], arrays["t"], arrays["amt"], spec.windows):
                # Each run of adjacent matrix columns is written a whole row piece at a time.
                for src, dst, k in _runs([target[block.side][name] for name in block.names]):
                    x[block.rows, dst:dst + k] = block.values[:, src:src + k]
            del arrays["s"], arrays["r"], arrays["amt"]
            if structure is None:
                place_structure()
            else:
                structure.result()
        t = arrays["t"]
    order = np.empty(n, dtype=np.int64)
    if pos:
        order[np.concatenate(pos)] = np.arange(n)
    txn = (pa.chunked_array(ids).combine_chunks().cast(pa.string()).take(pa.array(order)) if ids
           else pa.array([], pa.string()))
    return pa.table({"eid": pa.array(np.arange(1, n + 1)), "txn_id": txn, "t": pa.array(t)}), x


def _runs(targets: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(source, target, length)``: the runs of adjacent matrix columns ``targets`` names, in source order."""
    runs: list[tuple[int, int, int]] = []
    for src, dst in enumerate(targets):
        if runs and runs[-1][0] + runs[-1][2] == src and runs[-1][1] + runs[-1][2] == dst:
            runs[-1] = (runs[-1][0], runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((src, dst, 1))
    return runs


def _block(batch: pa.RecordBatch, columns: Sequence[str]) -> np.ndarray:
    """Batch columns as one row-major float32 block (NULL as NaN), so each matrix row is written once."""
    block = np.empty((batch.num_rows, len(columns)), dtype=np.float32)
    for k, name in enumerate(columns):
        block[:, k] = batch.column(name).to_numpy(zero_copy_only=False)
    return block


@dataclass
class _FeatureTables:
    edges: str  # the run's numbered transactions (``fsql.edges_sql``)
    structure: str  # SQL: one row per transaction (``fsql.structure_sql``)
    stats: str  # SQL: one row per end of a transaction (``fsql.account_stats_sql``); empty without history


def _feature_tables(case: Case, run: Run, spec: FeatureSpec, where: str, *, history: bool = True
                    ) -> _FeatureTables:
    """The feature pieces over scratch tables of ``run`` (they live as long as it does); without ``history``,
    the ends' statistics are left to ``features_windows`` (``stats`` is then empty)."""

    def table(sql: str, hint: str) -> str:
        return run.materialise(sql, hint=f"feat_{hint}").name

    edges = table(fsql.edges_sql(where, ranges_for(case.engine.name)), "edges")
    pairs = table(fsql.pairs_sql(edges), "pairs")
    stats = ""
    if history:
        events = f"({fsql.events_sql(table(fsql.history_sql(edges), 'history'), spec.windows)}) ev"
        stats = fsql.account_stats_sql(events, spec.windows)
    paths = fsql.pair_paths_sql(f"({fsql.two_hop_sql(pairs, spec.path_cap)})", pairs)
    cols = {t: hit_column(t) for t in spec.rule_typologies}
    hits = table(fsql.rule_hits_sql(edges, spec.rule_typologies, cols), "hits") if cols else None
    pair_structure = f"({fsql.pair_structure_sql(edges, pairs, paths)})"
    return _FeatureTables(edges, fsql.structure_sql(pair_structure, hits, list(cols.values())), stats)


# Wording for explanations: what each statistic counts, and how a window reads in a sentence.
_STAT_WORDS = {
    "out_cnt": "made {v} payments", "in_cnt": "received {v} payments", "out_fan": "paid {v} distinct counterparties",
    "in_fan": "was paid by {v} distinct counterparties", "out_sum": "paid out {v} in total",
    "in_sum": "received {v} in total", "out_new": "paid {v} new counterparties",
    "in_new": "was paid by {v} new counterparties",
    "out_sq": "paid amounts whose squares sum to {v}", "in_sq": "received amounts whose squares sum to {v}",
    "gs_paths": "had {v} in-out counterparty pairs (gather-scatter)",
    "flow_ratio": "paid out {v} for each unit received",
    "out_avg": "paid {v} on average", "out_std": "paid amounts varying by {v} (standard deviation)",
    "in_avg": "received {v} on average", "in_std": "received amounts varying by {v} (standard deviation)",
}
_HISTORY_WORDS = {
    "out_cnt_all": "had made {v} payments so far", "in_cnt_all": "had received {v} payments so far",
    "out_fan_all": "had paid {v} distinct counterparties so far",
    "in_fan_all": "had been paid by {v} distinct counterparties so far",
    "age_days": "had been active for {v} days", "out_mean_all": "usually paid {v}",
    "in_mean_all": "usually received {v}",
    "cross_gap_days": "had last moved money the other way {v} days before",
    "same_gap_days": "had last moved money this way {v} days before",
    "same_gap3_days": "had moved money this way three times in the {v} days before",
}
_WINDOW_WORDS = {"1d": "today", "7d": "in the last 7 days", "30d": "in the last 30 days"}
_STRUCTURE_WORDS = {
    "log_amt": "the amount is {amt}", "whole_amount": "the amount is a whole number ({v})",
    "payment_format": "payment format {v}",
    "amt_vs_sender_mean": "the amount is {v}x the sender's usual payment",
    "amt_vs_receiver_mean": "the amount is {v}x the receiver's usual receipt",
    "new_counterparty": "first payment between the two accounts ({v})",
    "pair_prev": "the sender had paid this receiver {v} times before",
    "pair_gap_days": "{v} days since the pair's last payment",
    "reciprocal": "the receiver had paid the sender before ({v})",
    "sg_paths": "{v} two-hop paths already ran from sender to receiver (scatter-gather)",
    "cycle3_any": "the payment closes {v} three-account cycles",
    "cycle3_ordered": "the payment closes {v} three-account cycles in time order",
}


def _num(value: float) -> str:
    if value != value:  # NaN: no earlier value
        return "none"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def describe(name: str, value: float, usual: tuple[float, float] | None = None) -> str:
    """One feature in words, e.g. 'sender paid 7 new counterparties today (usual: 0-1)'."""
    v = _num(value)
    if name in _STRUCTURE_WORDS:
        import math

        # Only log_amt is a logarithm; other structure features (gap days, counts) may exceed expm1's range.
        amt = _num(math.expm1(value)) if name == "log_amt" and value == value else "unknown"
        if name == "pair_gap_days" and value != value:  # NaN: the pair never paid before
            text = "no earlier payment between the two accounts"
        elif name == "payment_format":
            code = int(value) if value == value else 0
            text = f"paid by {fsql.CHANNELS[code - 1] if 0 < code <= len(fsql.CHANNELS) else 'an unlisted format'}"
            usual = None  # a code has no range
        else:
            text = _STRUCTURE_WORDS[name].format(v=v, amt=amt)
        if name == "log_amt" and usual is not None:
            usual = (math.expm1(usual[0]), math.expm1(usual[1]))
    elif name.startswith("hits_"):
        text = f"{v} complete {name[5:].replace('_', '-')} rule findings cite it"
    elif name[:2] in ("s_", "r_"):
        who = "sender" if name[0] == "s" else "receiver"
        rest = name[2:]
        if rest in _HISTORY_WORDS:
            text = f"{who} {_HISTORY_WORDS[rest].format(v=v)}"
        else:
            stat, _, window = rest.rpartition("_")
            words = _STAT_WORDS.get(stat, stat + " {v}")
            text = f"{who} {words.format(v=v)} {_WINDOW_WORDS.get(window, 'in ' + window)}"
    else:
        text = f"{name} = {v}"
    if usual is not None:
        text += f" (usual: {_num(usual[0])}–{_num(usual[1])})"
    return text


def feature_matrix(table: pa.Table, names: Sequence[str]) -> object:
    """Columns ``names`` of a feature table as a float64 numpy matrix (missing columns read as 0)."""
    import numpy as np

    cols = []
    for n in names:
        if n in table.column_names:
            cols.append(table.column(n).to_numpy(zero_copy_only=False).astype(np.float64))
        else:
            cols.append(np.zeros(table.num_rows))
    return np.column_stack(cols) if cols else np.zeros((table.num_rows, 0))
