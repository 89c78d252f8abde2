"""The flagged payments right around each flagged payment, in time order: what its two ends did before and after.

``flagged_shape`` reads the connected piece a flagged payment belongs to. On data where laundering accounts
take part in many attempts at once (AMLworld reuses them across attempts of every typology), the pieces merge
into one large piece of no simple shape, and its counts say little about any one payment. What still tells
the attempts apart is local and ordered:

- a fan-out's sender pays several flagged receivers within a day (``local_sender_out_near``); a fan-in's receiver
  is paid by several (``local_receiver_in_near``);
- a gather-scatter's hub gathers first and pays on after (flagged payments into the sender before this one,
  out of the receiver after it: ``local_sender_in_before``, ``local_receiver_out_after`` and their mirrors);
- a scatter-gather's relays share a source and a sink: ``local_gather_mates`` counts the receiver's other
  flagged senders that were paid by one of the sender's flagged sources, ``local_scatter_mates`` the sender's
  other flagged receivers that pay one of the receiver's flagged sinks; fans between busy accounts have none;
- chains (stack, cycle, scatter-gather relays) carry amounts on: how close, as ``|ln(ratio)|``, the nearest
  flagged payment on out of the receiver after this one comes to its amount (``local_forward_ratio``), and the
  nearest into the sender before it (``local_back_ratio``); fans pay their own amounts;
- whether the receiver pays the sender back (flagged, any time in the slice: ``local_paid_back``).

Computed in SQL over the flagged payments of each group (with its context payments), joins and aggregates
only, portable to Spark like ``flagged_shape``. Reads the same flagged set as ``flagged_shape``, never labels
of the scored part.
"""

from __future__ import annotations

LOCAL_FEATURES = ["local_sender_out_near", "local_receiver_in_near", "local_sender_out_before",
                  "local_sender_out_after", "local_sender_in_before", "local_sender_in_after",
                  "local_receiver_in_before", "local_receiver_in_after", "local_receiver_out_before",
                  "local_receiver_out_after", "local_gather_mates", "local_scatter_mates", "local_forward_ratio",
                  "local_back_ratio", "local_paid_back"]

# "Within a day" for the local degrees: chosen between 1 and 2 days by the typology model's validation accuracy
# on the HI-Medium mix (79.2% against 78.9%; see benchmarks/results/learn-typology-16b3.txt).
NEAR_S = 86_400


def timed_edges_sql(edges: str, epoch: str, amount: str) -> str:
    """(txn_id, grp, target, src, dst, t, amt) of ``edges`` (``flagged_shape.edges_sql``): ``epoch`` and ``amount``
    are SQL over its columns."""
    return f"SELECT e.txn_id, e.grp, e.target, e.src, e.dst, {epoch} AS t, {amount} AS amt FROM {edges} e"


def _ratio(a: str, b: str) -> str:
    """|ln(a / b)|, NULL unless both are positive."""
    return f"CASE WHEN {a} > 0 AND {b} > 0 THEN abs(ln({a} / {b})) END"


def local_sql(timed: str) -> str:
    """(txn_id, grp, LOCAL_FEATURES...) for every target payment of ``timed`` (``timed_edges_sql``)."""
    near = f"abs(o.t - e.t) <= {NEAR_S}"
    target = f"(SELECT * FROM {timed} WHERE target)"
    sender_out = f"""SELECT e.txn_id, e.grp,
    count(DISTINCT CASE WHEN {near} AND o.dst <> e.dst THEN o.dst END) AS s_out_near,
    sum(CASE WHEN o.t < e.t THEN 1 ELSE 0 END) AS s_out_before,
    sum(CASE WHEN o.t > e.t THEN 1 ELSE 0 END) AS s_out_after
  FROM {target} e JOIN {timed} o ON o.src = e.src AND o.txn_id <> e.txn_id GROUP BY e.txn_id, e.grp"""
    receiver_in = f"""SELECT e.txn_id, e.grp,
    count(DISTINCT CASE WHEN {near} AND o.src <> e.src THEN o.src END) AS r_in_near,
    sum(CASE WHEN o.t < e.t THEN 1 ELSE 0 END) AS r_in_before,
    sum(CASE WHEN o.t > e.t THEN 1 ELSE 0 END) AS r_in_after
  FROM {target} e JOIN {timed} o ON o.dst = e.dst AND o.txn_id <> e.txn_id GROUP BY e.txn_id, e.grp"""
    sender_in = f"""SELECT e.txn_id, e.grp, sum(CASE WHEN o.t <= e.t THEN 1 ELSE 0 END) AS s_in_before,
    sum(CASE WHEN o.t > e.t THEN 1 ELSE 0 END) AS s_in_after,
    min(CASE WHEN o.t <= e.t THEN {_ratio('o.amt', 'e.amt')} END) AS back_ratio
  FROM {target} e JOIN {timed} o ON o.dst = e.src GROUP BY e.txn_id, e.grp"""
    receiver_out = f"""SELECT e.txn_id, e.grp, sum(CASE WHEN o.t < e.t THEN 1 ELSE 0 END) AS r_out_before,
    sum(CASE WHEN o.t >= e.t THEN 1 ELSE 0 END) AS r_out_after,
    min(CASE WHEN o.t >= e.t THEN {_ratio('o.amt', 'e.amt')} END) AS forward_ratio,
    max(CASE WHEN o.dst = e.src THEN 1 ELSE 0 END) AS paid_back
  FROM {target} e JOIN {timed} o ON o.src = e.dst GROUP BY e.txn_id, e.grp"""
    # The receiver's other senders m, paid by one of the sender's sources x (x -> sender, x -> m).
    gather = f"""SELECT e.txn_id, e.grp, count(DISTINCT m.src) AS gather_mates
  FROM {target} e JOIN {timed} m ON m.dst = e.dst AND m.src <> e.src
  JOIN {timed} x1 ON x1.dst = e.src JOIN {timed} x2 ON x2.dst = m.src AND x2.src = x1.src
  GROUP BY e.txn_id, e.grp"""
    # The sender's other receivers m, paying one of the receiver's sinks y (receiver -> y, m -> y).
    scatter = f"""SELECT e.txn_id, e.grp, count(DISTINCT m.dst) AS scatter_mates
  FROM {target} e JOIN {timed} m ON m.src = e.src AND m.dst <> e.dst
  JOIN {timed} y1 ON y1.src = e.dst JOIN {timed} y2 ON y2.src = m.dst AND y2.dst = y1.dst
  GROUP BY e.txn_id, e.grp"""
    parts = {"so": sender_out, "ri": receiver_in, "si": sender_in, "ro": receiver_out, "ga": gather, "sc": scatter}
    joins = "\n".join(f"LEFT JOIN ({sql}) {k} ON {k}.txn_id = e.txn_id AND {k}.grp = e.grp" for k, sql in parts.items())
    return f"""SELECT e.txn_id, e.grp,
  1 + coalesce(so.s_out_near, 0) AS local_sender_out_near, 1 + coalesce(ri.r_in_near, 0) AS local_receiver_in_near,
  coalesce(so.s_out_before, 0) AS local_sender_out_before, coalesce(so.s_out_after, 0) AS local_sender_out_after,
  coalesce(si.s_in_before, 0) AS local_sender_in_before, coalesce(si.s_in_after, 0) AS local_sender_in_after,
  coalesce(ri.r_in_before, 0) AS local_receiver_in_before, coalesce(ri.r_in_after, 0) AS local_receiver_in_after,
  coalesce(ro.r_out_before, 0) AS local_receiver_out_before, coalesce(ro.r_out_after, 0) AS local_receiver_out_after,
  coalesce(ga.gather_mates, 0) AS local_gather_mates, coalesce(sc.scatter_mates, 0) AS local_scatter_mates,
  ro.forward_ratio AS local_forward_ratio, si.back_ratio AS local_back_ratio,
  coalesce(ro.paid_back, 0) AS local_paid_back
FROM {target} e
{joins}"""
