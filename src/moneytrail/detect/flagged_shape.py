"""The shape of the flagged payments around each flagged payment: the learner's typology, read from structure.

The binary model flags payments one by one; which typology a flagged payment belongs to shows in what
the other flagged payments around it look like. A fan-in is one receiver paid by several flagged senders,
each paying nobody else flagged; a fan-out the mirror; a gather-scatter one account gathering from several
and paying several; a scatter-gather one source paying several relays that each pay one sink; a cycle
accounts each paying the next once, back to the start; bipartite flagged payments between accounts that
only send or only receive. So the flagged payments of one group (a part of a temporal split, or the
flagged set ``score`` writes) are joined into connected pieces (accounts linked by flagged payments,
direction ignored), and each payment gets:

- the flagged degrees of its two ends (distinct flagged counterparties in and out of sender and receiver)
  and how often the same pair paid each other (flagged);
- its piece's size (payments, accounts), how many accounts only send, only receive, relay (one in, one
  out) or gather and pay on (in and out, one of them >= 2), its largest in- and out-degree and time span;
- the piece's shape, by rule (``SHAPES``), where it is unambiguous.

These are inputs of the typology model (``learn_typology``), beside the transaction features. Pieces are
found by label propagation with pointer jumping in SQL (each account takes the least label among itself,
its neighbours and its label's label), a few rounds for pieces of any size; all SQL is portable (no
DuckDB-only constructs), so it runs on Spark too.

Leakage: the pieces of a group are built from that group's flagged payments only. For the test part these
are the binary model's flags (its scores use earlier data only), never labels; the training and
validation parts use their labels as the flagged set (labels the learner may read).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.detect.flagged_local import LOCAL_FEATURES, local_sql, timed_edges_sql
from moneytrail.engine.scratch import Run
from moneytrail.store import Case

MAX_ROUNDS = 64  # label propagation with pointer jumping converges in O(log diameter) rounds; a guard only

# Shapes by rule, in code order (the code is a feature); 'other' when no rule fits.
SHAPES = ("single", "fan-in", "fan-out", "bipartite", "cycle", "gather-scatter", "scatter-gather", "chain",
          "other")

PIECE_FEATURES = ["shape_sender_out", "shape_sender_in", "shape_receiver_in", "shape_receiver_out",
                  "shape_pair_payments", "shape_piece_payments", "shape_piece_accounts", "shape_piece_sources",
                  "shape_piece_sinks", "shape_piece_relays", "shape_piece_hubs", "shape_piece_max_in",
                  "shape_piece_max_out", "shape_piece_span_days", "shape_code"]
SHAPE_FEATURES = PIECE_FEATURES + LOCAL_FEATURES


def shape_case_sql(acc: str, src: str, snk: str, rel: str, hubs: str, max_in: str, max_out: str, txns: str,
                   hub_in: str, hub_out: str) -> str:
    """The shape code (index into ``SHAPES``) of a piece from its counts; the column names are passed in.

    ``hub_in``/``hub_out``: in/out-degree of the piece's one hub (accounts with in and out, one of them >= 2)."""
    code = {s: i for i, s in enumerate(SHAPES)}
    return f"""CASE
  WHEN {txns} = 1 THEN {code['single']}
  WHEN {rel} = {acc} AND {max_in} = 1 AND {max_out} = 1 THEN {code['cycle']}
  WHEN {hubs} = 0 AND {rel} = 0 AND {snk} = 1 THEN {code['fan-in']}
  WHEN {hubs} = 0 AND {rel} = 0 AND {src} = 1 THEN {code['fan-out']}
  WHEN {hubs} = 0 AND {rel} = 0 THEN {code['bipartite']}
  WHEN {hubs} = 1 AND {rel} = 0 AND {hub_in} >= 2 AND {hub_out} >= 2 THEN {code['gather-scatter']}
  WHEN {hubs} = 0 AND {src} = 1 AND {snk} = 1 AND {max_in} >= 2 AND {max_out} >= 2 THEN {code['scatter-gather']}
  WHEN {hubs} = 0 AND {max_in} <= 1 AND {max_out} <= 1 THEN {code['chain']}
  ELSE {code['other']} END"""


def edges_sql(flagged: str) -> str:
    """(txn_id, grp, target, src, dst, ts, amt) of the flagged payments (amounts in the reporting currency);
    accounts are keyed by group so groups never join."""
    return (f"SELECT f.txn_id, f.grp, f.target, f.grp || '|' || t.from_account AS src, "
            f"f.grp || '|' || t.to_account AS dst, t.ts, CAST(coalesce(t.amount_rc, t.amount) AS DOUBLE) AS amt "
            f"FROM {flagged} f JOIN transactions t ON t.txn_id = f.txn_id")


def propagate_sql(nodes: str, edges: str) -> str:
    """One round: each account takes the least label among its own and its neighbours'."""
    return f"""SELECT node, min(label) AS label FROM (
  SELECT node, label FROM {nodes}
  UNION ALL SELECT e.src AS node, n.label FROM {edges} e JOIN {nodes} n ON n.node = e.dst
  UNION ALL SELECT e.dst AS node, n.label FROM {edges} e JOIN {nodes} n ON n.node = e.src) x GROUP BY node"""


def jump_sql(nodes: str) -> str:
    """Pointer jumping: each account also takes its label's label (halves the rounds a long piece needs)."""
    return (f"SELECT s.node, CASE WHEN p.label < s.label THEN p.label ELSE s.label END AS label "
            f"FROM {nodes} s JOIN {nodes} p ON p.node = s.label")


def pieces(run: Run, edges: str) -> str:
    """(node, label): the connected piece of each account of ``edges``, labelled by its least account key."""
    eng = run.engine
    nodes = run.materialise(f"SELECT src AS node, src AS label FROM {edges} UNION "
                            f"SELECT dst AS node, dst AS label FROM {edges}", hint="shape_nodes")
    for _ in range(MAX_ROUNDS):
        step = run.materialise(propagate_sql(nodes.name, edges), hint="shape_step")
        nxt = run.materialise(jump_sql(step.name), hint="shape_nodes")
        run.drop(step)
        changed = int(eng.scalar(f"SELECT count(*) FROM {nxt.name} a JOIN {nodes.name} b ON b.node = a.node "
                                 "WHERE a.label <> b.label"))
        run.drop(nodes)
        nodes = nxt
        if not changed:
            return nodes.name
    raise RuntimeError(f"flagged pieces did not settle in {MAX_ROUNDS} rounds")


def degrees_sql(edges: str, nodes: str) -> str:
    """(node, label, d_in, d_out): distinct flagged counterparties of each account, and its piece."""
    return f"""SELECT n.node, n.label, coalesce(i.d_in, 0) AS d_in, coalesce(o.d_out, 0) AS d_out FROM {nodes} n
LEFT JOIN (SELECT dst AS node, count(DISTINCT src) AS d_in FROM {edges} GROUP BY dst) i ON i.node = n.node
LEFT JOIN (SELECT src AS node, count(DISTINCT dst) AS d_out FROM {edges} GROUP BY src) o ON o.node = n.node"""


def piece_stats_sql(edges: str, degrees: str, epoch: str) -> str:
    """Per piece: its counts, largest degrees, time span and shape code."""
    hub = "((d_in >= 2 AND d_out >= 1) OR (d_in >= 1 AND d_out >= 2))"
    counts = f"""SELECT label, count(*) AS acc, sum(CASE WHEN d_in = 0 THEN 1 ELSE 0 END) AS src,
    sum(CASE WHEN d_out = 0 THEN 1 ELSE 0 END) AS snk, sum(CASE WHEN d_in = 1 AND d_out = 1 THEN 1 ELSE 0 END) AS rel,
    sum(CASE WHEN {hub} THEN 1 ELSE 0 END) AS hubs, max(d_in) AS max_in, max(d_out) AS max_out,
    max(CASE WHEN {hub} THEN d_in ELSE 0 END) AS hub_in, max(CASE WHEN {hub} THEN d_out ELSE 0 END) AS hub_out
  FROM {degrees} GROUP BY label"""
    txns = f"""SELECT d.label, count(*) AS txns, (max({epoch}) - min({epoch})) / 86400.0 AS span
  FROM {edges} e JOIN {degrees} d ON d.node = e.src GROUP BY d.label"""
    code = shape_case_sql("c.acc", "c.src", "c.snk", "c.rel", "c.hubs", "c.max_in", "c.max_out", "t.txns",
                          "c.hub_in", "c.hub_out")
    return f"""SELECT c.*, t.txns, t.span, {code} AS shape_code
FROM ({counts}) c JOIN ({txns}) t ON t.label = c.label"""


def payment_shape_sql(edges: str, degrees: str, stats: str) -> str:
    """(txn_id, grp, SHAPE_FEATURES...) for every target payment."""
    return f"""SELECT e.txn_id, e.grp, s.d_out AS shape_sender_out, s.d_in AS shape_sender_in,
  r.d_in AS shape_receiver_in, r.d_out AS shape_receiver_out, p.n AS shape_pair_payments,
  c.txns AS shape_piece_payments, c.acc AS shape_piece_accounts, c.src AS shape_piece_sources,
  c.snk AS shape_piece_sinks,
  c.rel AS shape_piece_relays, c.hubs AS shape_piece_hubs, c.max_in AS shape_piece_max_in,
  c.max_out AS shape_piece_max_out, c.span AS shape_piece_span_days, c.shape_code
FROM {edges} e JOIN {degrees} s ON s.node = e.src JOIN {degrees} r ON r.node = e.dst
JOIN {stats} c ON c.label = s.label
JOIN (SELECT src, dst, count(*) AS n FROM {edges} GROUP BY src, dst) p ON p.src = e.src AND p.dst = e.dst
WHERE e.target"""


def flagged_shape(case: Case, flagged: pa.Table) -> pa.Table:
    """(txn_id, grp, SHAPE_FEATURES...) of each target payment of ``flagged`` (columns ``txn_id``, ``grp`` and
    ``target``): the payments of one group are looked at together, groups apart; a group's context payments
    (``target`` false: flagged earlier) shape its pieces but get no row."""
    eng = case.engine
    flagged = pa.table({"txn_id": flagged.column("txn_id").cast(pa.string()),
                        "grp": flagged.column("grp").cast(pa.string()),
                        "target": flagged.column("target").cast(pa.bool_())})
    if not len(flagged):
        return pa.table({"txn_id": pa.array([], pa.string()), "grp": pa.array([], pa.string()),
                         **{n: pa.array([], pa.float64()) for n in SHAPE_FEATURES}})
    with eng.run() as run:
        table = run.arrow(flagged, hint="shape_flagged")
        edges = run.materialise(edges_sql(table.name), hint="shape_edges").name
        nodes = pieces(run, edges)
        degrees = run.materialise(degrees_sql(edges, nodes), hint="shape_degrees").name
        epoch = eng.dialect.epoch_seconds_sql("e.ts")
        stats = run.materialise(piece_stats_sql(edges, degrees, epoch), hint="shape_pieces").name
        piece = run.materialise(payment_shape_sql(edges, degrees, stats), hint="shape_payments").name
        timed = run.materialise(timed_edges_sql(edges, epoch, "e.amt"), hint="shape_timed").name
        local = run.materialise(local_sql(timed), hint="shape_local").name
        cols = ", ".join(f"l.{n}" for n in LOCAL_FEATURES)
        return eng.query(f"SELECT p.*, {cols} FROM {piece} p JOIN {local} l ON l.txn_id = p.txn_id AND l.grp = p.grp")


def shape_matrix(case: Case, txn_ids: pa.Array | pa.ChunkedArray, grp: np.ndarray,
                 context: tuple[pa.Array | pa.ChunkedArray, np.ndarray] | None = None) -> np.ndarray:
    """(rows, len(SHAPE_FEATURES)) float32: the shape features of each payment of ``txn_ids`` (group ``grp``;
    each payment once), in that order; every one of them counts as flagged. ``context``: more flagged payments
    (ids, group) that shape the pieces of their group without rows of their own (a payment may be a target in
    one group and context in another)."""
    ids = (pa.chunked_array([txn_ids]) if isinstance(txn_ids, pa.Array) else txn_ids).cast(pa.string())
    parts = [pa.table({"txn_id": ids, "grp": pa.array(grp.astype(str)), "target": pa.array(np.ones(len(ids), bool))})]
    if context is not None and len(context[0]):
        more = (pa.chunked_array([context[0]]) if isinstance(context[0], pa.Array) else context[0]).cast(pa.string())
        parts.append(pa.table({"txn_id": more, "grp": pa.array(context[1].astype(str)),
                               "target": pa.array(np.zeros(len(more), bool))}))
    shapes = flagged_shape(case, pa.concat_tables(parts))
    idx = pc.index_in(ids, value_set=shapes.column("txn_id"))
    out = np.full((len(ids), len(SHAPE_FEATURES)), np.nan, dtype=np.float32)
    for j, name in enumerate(SHAPE_FEATURES):
        col = pc.take(shapes.column(name).cast(pa.float64()), idx)
        out[:, j] = np.asarray(pc.fill_null(col, np.nan).to_numpy(zero_copy_only=False), dtype=np.float32)
    return out
