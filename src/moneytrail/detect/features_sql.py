"""SQL for transaction-level features: both ends of every transaction, in several time windows.

Every feature of a transaction at time ``t`` reads only transactions at or before ``t`` (ties at the
same timestamp included, as a bank sees a whole booking day at once): windows are ``RANGE`` frames
ending at the current row's time, and pair, path and cycle features count pairs *first seen* at or
before ``t``. Appending later transactions therefore never changes an earlier transaction's features
(``tests/detect/test_features.py`` checks it).

The builders take the names of the scratch tables a run creates (``features.FeatureRun`` names them
uniquely per run), so two runs on one connection never collide.
"""

from __future__ import annotations

from collections.abc import Sequence

from moneytrail.detect.account_ids import RANGES, account_ids_sql

# Window names and lengths in seconds. A window (t - W, t] holds the current row's whole timestamp. A 7-day
# window added nothing the 1- and 30-day ones do not carry (benchmarks/learn.py: test F1 on AMLSim and the
# AMLworld LI mix the same or better without it) and cost a third of the windowed work.
WINDOWS: dict[str, int] = {"1d": 86_400, "30d": 30 * 86_400}
# Per-window statistics of one account, taken over its events in the window (both directions).
WINDOW_STATS = ("out_cnt", "in_cnt", "out_fan", "in_fan", "out_sum", "in_sum", "out_new", "in_new", "out_sq", "in_sq")
# Derived per window: mean and standard deviation of amounts out and in, in-out pairs (gather-scatter), and
# the amount paid out for each unit received (pass-through).
WINDOW_DERIVED = ("out_avg", "out_std", "in_avg", "in_std", "gs_paths", "flow_ratio")
# Whole-history statistics of one account up to the current time.
# ``cross_gap_days``: days since the account last moved money the other way (a sender: since it was last paid,
# how long money sat before leaving; a receiver: since it last paid out); none yet is NULL.
# ``same_gap_days`` and ``same_gap3_days``: days since the account's previous and third previous transaction the
# same way (a sender: its payments; a receiver: its receipts), a pace read at any time scale, below a day too
# (LI mix test F1 0.968 -> 0.973: fan-outs and gather-scatters pay on at a steady clip from the first payment).
HISTORY_STATS = ("out_cnt_all", "in_cnt_all", "out_fan_all", "in_fan_all", "age_days", "out_mean_all",
                 "in_mean_all", "cross_gap_days", "same_gap_days", "same_gap3_days")
# A variance below this share of the mean square is rounding noise and reads 0. The difference of two sums of
# squares carries an error of about (terms x 1e-16) of the mean square that depends on the order the engine
# added them in (threads, plan, engine): equal amounts gave a standard deviation of 0 on one run and 3e-6 on the
# next (up to 2e-15 of the mean square on the AMLSim sets), and the model's splits moved with it (test F1 on
# AMLSim by up to 0.007 between two runs of the same code). Real spreads stay: a standard deviation above 3e-7
# of the amounts' size (one cent in 30,000) is above the cut.
STD_NOISE = 1e-13
# Two counts of one account, out and in, travel in one windowed sum as out + in * PACK: one window aggregate
# instead of two, the costly part of the features. The sum is a DOUBLE, exact while it stays below 2^53 (out
# below PACK = 2^26, 67 million payments in a window, and in below 2^27), so every engine and summing order
# gives the same value, and unpacking is a floor and a subtraction (cheaper than a BIGINT modulo).
PACK = 67_108_864
# Two-hop paths a -> x -> b count through an intermediary x only among its first PATH_CAP payers and first
# PATH_CAP payees (by when each pair first traded): a hub's paths would grow with the square of its degree,
# and a hub is not the layering account these features look for. Ranks read only earlier pairs (no leakage).
PATH_CAP = 64


# Payment formats by a fixed code (AMLworld's formats first, then common others), so a saved model reads
# the same code on any case and engine; anything else, or none, is 0.
CHANNELS = ("ach", "wire", "cheque", "credit card", "cash", "reinvestment", "bitcoin", "card", "debit card",
            "sepa", "transfer", "check")


def channel_code_sql(column: str) -> str:
    """The payment format's code in ``CHANNELS`` (1-based), 0 for an unknown or missing one."""
    whens = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CHANNELS, start=1))
    return f"CASE lower(trim({column})) {whens} ELSE 0 END"


def edges_sql(where: str = "", ranges: int = RANGES) -> str:
    """(eid, txn_id, s, r, t, amt, ch): transactions numbered in time order, their accounts as integer ids (each
    account's rank by key, ``account_ids_sql``: in parallel on Spark), times in epoch seconds, and the payment
    format's code (``channel_code_sql``).

    Seconds are counted explicitly from the timestamp (``epoch``), never from an engine's internal unit. Every
    later pass partitions, sorts and joins on the accounts, and integers there cost about half what keys do.
    ``ranges``: key ranges the account ranking is split into (``account_ids.ranges_for`` the engine).
    """
    clause = f" WHERE {where}" if where else ""
    return f"""WITH tx AS (SELECT * FROM transactions{clause}),
ids AS ({account_ids_sql("SELECT from_account AS acct FROM tx UNION ALL SELECT to_account FROM tx", ranges)})
SELECT row_number() OVER (ORDER BY tx.ts, tx.txn_id) AS eid, tx.txn_id, a.id AS s, b.id AS r,
       CAST(floor(epoch(tx.ts)) AS BIGINT) AS t, CAST(coalesce(tx.amount_rc, tx.amount) AS DOUBLE) AS amt,
       {channel_code_sql('tx.channel')} AS ch
FROM tx LEFT JOIN ids a ON a.acct = tx.from_account LEFT JOIN ids b ON b.acct = tx.to_account"""


def history_sql(edges: str) -> str:
    """(eid, s, r, t, amt, prev_t, pair_prev, out_gap, out_gap3, in_gap, in_gap3): the numbered transactions
    (``edges_sql``) with their pair's history and each end's pace. Ids and formats stay behind in ``edges``: the
    three sorts here carry only numbers (a text id in the payload cost a quarter of this pass).

    ``prev_t`` is the time of the pair's previous transaction (NULL for its first) and ``pair_prev`` counts the
    pair's earlier transactions, in time order with ties by ``eid``: the sender's payments to that receiver are
    the receiver's receipts from that sender, so one pass over the pairs serves both ends. ``out_gap`` and
    ``out_gap3`` are seconds since the sender's previous and third previous payment, ``in_gap`` and ``in_gap3``
    since the receiver's previous and third previous receipt."""
    def gaps(acct: str, way: str) -> str:
        w = f"OVER (PARTITION BY {acct} ORDER BY t, eid)"
        return f"t - lag(t) {w} AS {way}_gap, t - lag(t, 3) {w} AS {way}_gap3"
    return f"""SELECT eid, s, r, t, amt, lag(t) OVER (PARTITION BY s, r ORDER BY t, eid) AS prev_t,
       row_number() OVER (PARTITION BY s, r ORDER BY t, eid) - 1 AS pair_prev, {gaps('s', 'out')}, {gaps('r', 'in')}
FROM {edges} x"""


def events_sql(edges: str, windows: dict[str, int]) -> str:
    """Each transaction twice, once per end: (acct, cp, dir 1=out 0=in, t, eid, amt) with the pair's history
    and the account's pace that way (``same_gap``, ``same_gap3``: seconds since its previous and third previous
    transaction in that direction; ties in time order by ``eid``), read from ``edges`` (``history_sql``).

    ``pair_prev`` counts the pair's earlier transactions in that direction and ``prev_t`` is the last one's time;
    ``first_pair`` is 1 on the first transaction between the account and that counterparty in that
    direction; ``fresh_<w>`` is 1 when the pair had no transaction in the window before this one, so a
    windowed sum of it counts distinct counterparties in the window.
    """
    fresh = ", ".join(f"CASE WHEN prev_t IS NULL OR prev_t <= t - {w} THEN 1 ELSE 0 END AS fresh_{name}"
                      for name, w in windows.items())
    return f"""SELECT *, CASE WHEN prev_t IS NULL THEN 1 ELSE 0 END AS first_pair, {fresh} FROM (
  SELECT s AS acct, r AS cp, 1 AS dir, t, eid, amt, out_gap AS same_gap, out_gap3 AS same_gap3, prev_t, pair_prev
  FROM {edges}
  UNION ALL SELECT r, s, 0, t, eid, amt, in_gap, in_gap3, prev_t, pair_prev FROM {edges}) u"""


def side_columns(windows: dict[str, int]) -> list[str]:
    """The statistics of one end of a transaction, as ``account_stats_sql`` names them."""
    return [f"{st}_{w}" for w in windows for st in (*WINDOW_STATS, *WINDOW_DERIVED)] + list(HISTORY_STATS)


def account_stats_sql(events: str, windows: dict[str, int]) -> str:
    """Per event row (one end of a transaction): the account's windowed and whole-history statistics up to the
    row's time (``side_columns``), the amount against the account's usual one that way (``amt_vs_mean``), and
    the pair's history (``first_pair``, ``pair_prev``, ``pair_gap_days``).

    Counts out and in are summed together, packed (``PACK``), and unpacked outside the window pass."""

    def packed(value: str) -> str:
        return f"CAST(CASE WHEN dir = 1 THEN {value} ELSE {value} * {PACK} END AS DOUBLE)"

    inner: list[str] = []
    mid: list[str] = []

    def counts(expr: str, frame: str, out_name: str, in_name: str) -> None:
        name = f"pk_{out_name}"
        inner.append(f"sum({packed(expr)}) {frame} AS {name}")
        mid.extend([f"{name} - floor({name} / {PACK}) * {PACK} AS {out_name}",
                    f"CAST(floor({name} / {PACK}) AS DOUBLE) AS {in_name}"])

    def plain(expr: str, name: str) -> None:
        inner.append(f"{expr} AS {name}")
        mid.append(f"CAST({name} AS DOUBLE) AS {name}")

    derived: list[str] = []
    for name, w in windows.items():
        frame = f"OVER (PARTITION BY acct ORDER BY t RANGE BETWEEN {w - 1} PRECEDING AND CURRENT ROW)"
        counts("1", frame, f"out_cnt_{name}", f"in_cnt_{name}")
        counts(f"fresh_{name}", frame, f"out_fan_{name}", f"in_fan_{name}")
        counts("first_pair", frame, f"out_new_{name}", f"in_new_{name}")
        for d, flag in (("out", "dir"), ("in", "(1 - dir)")):
            plain(f"sum({flag} * amt) {frame}", f"{d}_sum_{name}")
            plain(f"sum({flag} * amt * amt) {frame}", f"{d}_sq_{name}")
            n, avg = f"{d}_cnt_{name}", f"{d}_sum_{name} / nullif({d}_cnt_{name}, 0)"
            msq = f"{d}_sq_{name} / nullif({n}, 0)"
            var = f"{msq} - ({avg}) * ({avg})"
            derived += [f"{avg} AS {d}_avg_{name}",
                        f"sqrt(CASE WHEN {var} > {STD_NOISE} * {msq} THEN {var} ELSE 0 END) AS {d}_std_{name}"]
        derived += [f"in_fan_{name} * out_fan_{name} AS gs_paths_{name}",
                    f"out_sum_{name} / nullif(in_sum_{name}, 0) AS flow_ratio_{name}"]
    hist = "OVER (PARTITION BY acct ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    counts("1", hist, "out_cnt_all", "in_cnt_all")
    counts("first_pair", hist, "out_fan_all", "in_fan_all")
    # The account's first time: a whole-partition minimum, one pass without a frame (the earliest row is never
    # later than the current one, so no later row is read).
    plain("(t - min(t) OVER (PARTITION BY acct)) / 86400.0", "age_days")
    inner += [f"sum(dir * amt) {hist} AS out_amt_all", f"sum((1 - dir) * amt) {hist} AS in_amt_all",
              f"max(CASE WHEN dir = 0 THEN t END) {hist} AS last_in_t",
              f"max(CASE WHEN dir = 1 THEN t END) {hist} AS last_out_t"]
    mid.append("(t - CASE WHEN dir = 1 THEN last_in_t ELSE last_out_t END) / 86400.0 AS cross_gap_days")
    plain("same_gap / 86400.0", "same_gap_days")
    plain("same_gap3 / 86400.0", "same_gap3_days")
    mid += ["out_amt_all / greatest(out_cnt_all_n, 1) AS out_mean_all",
            "in_amt_all / greatest(in_cnt_all_n, 1) AS in_mean_all"]
    out_n = f"(pk_out_cnt_all - floor(pk_out_cnt_all / {PACK}) * {PACK})"
    in_n = f"floor(pk_out_cnt_all / {PACK})"
    mid = [m.replace("out_cnt_all_n", out_n).replace("in_cnt_all_n", in_n) for m in mid]
    keep = [c for c in side_columns(windows) if not any(c == d.rsplit(" AS ", 1)[1] for d in derived)]
    return f"""SELECT eid, dir, first_pair, pair_prev, pair_gap_days,
       amt / nullif(CASE WHEN dir = 1 THEN out_mean_all ELSE in_mean_all END, 0) AS amt_vs_mean,
       {', '.join(keep)}, {', '.join(derived)} FROM (
  SELECT eid, dir, amt, first_pair, pair_prev, pair_gap_days, {', '.join(mid)} FROM (
    SELECT eid, dir, t, amt, first_pair, CAST(pair_prev AS DOUBLE) AS pair_prev,
           (t - prev_t) / 86400.0 AS pair_gap_days, {', '.join(inner)} FROM {events}) x) y"""


def pairs_sql(edges: str) -> str:
    """(s, r, first_t, out_rank, in_rank) from ``edges`` (``edges_sql`` or ``history_sql``): when each ordered
    pair first traded, and its place among the sender's payees (``out_rank``) and among the receiver's payers
    (``in_rank``) in that order."""
    return f"""SELECT s, r, first_t, row_number() OVER (PARTITION BY s ORDER BY first_t, r) AS out_rank,
       row_number() OVER (PARTITION BY r ORDER BY first_t, s) AS in_rank
FROM (SELECT s, r, min(t) AS first_t FROM {edges} GROUP BY s, r) p"""


def two_hop_sql(pairs: str, cap: int = PATH_CAP) -> str:
    """(u, v, m, ordered): two-hop paths u -> x -> v between distinct accounts, through x's first ``cap`` payers
    and first ``cap`` payees, with ``m``, the time both legs existed, and ``ordered`` = 1 when the legs first
    traded in time order. Enumerated once from the intermediary, so the work is at most ``cap`` per pair."""
    return (f"SELECT l1.s AS u, l2.r AS v, greatest(l1.first_t, l2.first_t) AS m, "
            f"CASE WHEN l1.first_t <= l2.first_t THEN 1 ELSE 0 END AS ordered "
            f"FROM {pairs} l1 JOIN {pairs} l2 ON l2.s = l1.r "
            f"WHERE l1.in_rank <= {cap} AND l2.out_rank <= {cap} AND l1.s <> l2.r AND l1.s <> l1.r AND l2.s <> l2.r")


def pair_paths_sql(paths: str, pairs: str) -> str:
    """(a, b, m, sg, cyc, ordered): each two-hop path u -> x -> v between two accounts that traded, once per
    traded pair (a, b) it bears on: ``sg`` = 1 when it runs a -> x -> b (parallel to the pair: scatter-gather),
    ``cyc`` = 1 when it runs b -> x -> a (the pair closes a three-cycle). One join on the unordered pair finds
    both, so a path between accounts that never traded is dropped at once."""
    return (f"SELECT q.s AS a, q.r AS b, h.m, CASE WHEN q.s = h.u THEN 1 ELSE 0 END AS sg, "
            f"CASE WHEN q.s = h.v THEN 1 ELSE 0 END AS cyc, h.ordered FROM {paths} h "
            f"JOIN (SELECT s, r, least(s, r) AS lo, greatest(s, r) AS hi FROM {pairs}) q "
            "ON q.lo = least(h.u, h.v) AND q.hi = greatest(h.u, h.v)")


def pair_structure_sql(edges: str, pairs: str, paths: str) -> str:
    """(eid, txn_id, t, amt, ch, reciprocal, sg_paths, cycle3_any, cycle3_ordered) per transaction: whether the
    receiver had paid the sender by its time (a two-cycle: the reversed pair's first trade), and the
    scatter-gather paths and three-cycles of its pair that existed by then.

    Path rows (``pair_paths_sql``) and the transactions of pairs that have any are merged in time order (paths
    first at a tie) and running counts read at each transaction row, so no transaction is joined to every path
    of its pair; the many transactions of pairs without paths skip that pass."""
    return f"""WITH pair_paths AS ({paths}),
counted AS (
  SELECT eid, CAST(sum(sg) OVER w AS DOUBLE) AS sg_paths, CAST(sum(cyc) OVER w AS DOUBLE) AS cycle3_any,
         CAST(sum(cyc * ordered) OVER w AS DOUBLE) AS cycle3_ordered
  FROM (SELECT a, b, m AS t, 0 AS k, NULL AS eid, sg, cyc, ordered FROM pair_paths
        UNION ALL SELECT e.s, e.r, e.t, 1, e.eid, 0, 0, 0 FROM {edges} e
        JOIN (SELECT DISTINCT a, b FROM pair_paths) q ON q.a = e.s AND q.b = e.r) u
  WINDOW w AS (PARTITION BY a, b ORDER BY t, k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
SELECT e.eid, e.txn_id, e.t, e.amt, e.ch,
       CASE WHEN back.first_t IS NOT NULL AND back.first_t <= e.t THEN 1 ELSE 0 END AS reciprocal,
       coalesce(c.sg_paths, 0) AS sg_paths, coalesce(c.cycle3_any, 0) AS cycle3_any,
       coalesce(c.cycle3_ordered, 0) AS cycle3_ordered
FROM {edges} e LEFT JOIN {pairs} back ON back.s = e.r AND back.r = e.s
LEFT JOIN (SELECT * FROM counted WHERE eid IS NOT NULL) c ON c.eid = e.eid"""


def rule_hits_sql(edges: str, typologies: Sequence[str], column: dict[str, str]) -> str:
    """(eid, hits_<typology>...): rule findings citing the transaction that were complete by its time
    (every transaction the finding cites is at or before it), so a hit never reveals later rows."""
    cols = ", ".join(f"sum(CASE WHEN f.typology = '{t}' THEN 1 ELSE 0 END) AS {column[t]}" for t in typologies)
    return f"""WITH cited AS (
  SELECT r.finding_id, e.eid, e.t FROM finding_refs r JOIN findings f ON f.finding_id = r.finding_id
  JOIN {edges} e ON e.txn_id = r.ref_id WHERE r.ref_kind = 'transaction' AND f.kind = 'typology'),
done AS (SELECT finding_id, max(t) AS t_done FROM cited GROUP BY finding_id)
SELECT c.eid, {cols} FROM cited c JOIN done d ON d.finding_id = c.finding_id
JOIN findings f ON f.finding_id = c.finding_id JOIN {edges} e ON e.eid = c.eid
WHERE d.t_done <= e.t GROUP BY c.eid"""


# Columns of ``structure_sql`` that are features (the rest identify the row).
STRUCTURE_COLUMNS = ("log_amt", "whole_amount", "payment_format", "reciprocal", "sg_paths", "cycle3_any",
                     "cycle3_ordered")
# Columns of ``account_stats_sql`` that are features of the transaction itself, read from its sender's row.
SENDER_ROW_COLUMNS = {"first_pair": "new_counterparty", "pair_prev": "pair_prev", "pair_gap_days": "pair_gap_days",
                      "amt_vs_mean": "amt_vs_sender_mean"}


def structure_sql(pair_structure: str, hits: str | None, hit_cols: Sequence[str]) -> str:
    """One row per transaction: its amount and format, its pair's structure (``pair_structure_sql``: a
    two-cycle, scatter-gather paths and three-cycles by its time), and rule hits."""
    hit_select = "".join(f", coalesce(h.{c}, 0) AS {c}" for c in hit_cols)
    hit_join = f" LEFT JOIN {hits} h ON h.eid = e.eid" if hits else ""
    return f"""SELECT e.eid, e.txn_id, e.t, e.amt, ln(1 + greatest(e.amt, 0)) AS log_amt,
       CASE WHEN e.amt = round(e.amt) THEN 1 ELSE 0 END AS whole_amount, e.ch AS payment_format,
       e.reciprocal, e.sg_paths, e.cycle3_any, e.cycle3_ordered{hit_select}
FROM {pair_structure} e{hit_join}"""


def assemble_sql(structure: str, stats: str, windows: dict[str, int]) -> str:
    """One row per transaction: its own features, its sender's (``s_``) and receiver's (``r_``) statistics, and
    its amount against each end's usual amount (the matrix path places the same rows by ``eid`` instead)."""
    cols = side_columns(windows)
    sender = [f"so.{c} AS {n}" for c, n in SENDER_ROW_COLUMNS.items()]
    return f"""SELECT x.*, {', '.join(sender)}, ri.amt_vs_mean AS amt_vs_receiver_mean,
       {', '.join(f'so.{c} AS s_{c}' for c in cols)}, {', '.join(f'ri.{c} AS r_{c}' for c in cols)}
FROM {structure} x JOIN {stats} so ON so.eid = x.eid AND so.dir = 1 JOIN {stats} ri ON ri.eid = x.eid AND ri.dir = 0"""
