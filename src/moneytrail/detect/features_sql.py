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

# Window names and lengths in seconds. A window (t - W, t] holds the current row's whole timestamp.
WINDOWS: dict[str, int] = {"1d": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400}
# Per-window statistics of one account, taken over its events in the window (both directions).
WINDOW_STATS = ("out_cnt", "in_cnt", "out_fan", "in_fan", "out_sum", "in_sum", "out_new", "in_new", "out_sq", "in_sq")
# Derived per window from the sums: mean and standard deviation of amounts out and in.
WINDOW_DERIVED = ("out_avg", "out_std", "in_avg", "in_std")
# Whole-history statistics of one account up to the current time.
HISTORY_STATS = ("out_cnt_all", "in_cnt_all", "out_fan_all", "in_fan_all", "age_days", "out_mean_all",
                 "in_mean_all")


# Payment formats by a fixed code (AMLworld's formats first, then common others), so a saved model reads
# the same code on any case and engine; anything else, or none, is 0.
CHANNELS = ("ach", "wire", "cheque", "credit card", "cash", "reinvestment", "bitcoin", "card", "debit card",
            "sepa", "transfer", "check")


def channel_code_sql(column: str) -> str:
    """The payment format's code in ``CHANNELS`` (1-based), 0 for an unknown or missing one."""
    whens = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CHANNELS, start=1))
    return f"CASE lower(trim({column})) {whens} ELSE 0 END"


def edges_sql(where: str = "") -> str:
    """(eid, txn_id, s, r, t, amt, ch): transactions numbered in time order, times in epoch seconds, and the
    payment format's code (``channel_code_sql``).

    Seconds are counted explicitly from the timestamp (``epoch``), never from an engine's internal unit.
    """
    clause = f" WHERE {where}" if where else ""
    return ("SELECT row_number() OVER (ORDER BY ts, txn_id) AS eid, txn_id, from_account AS s, to_account AS r, "
            "CAST(floor(epoch(ts)) AS BIGINT) AS t, CAST(coalesce(amount_rc, amount) AS DOUBLE) AS amt, "
            f"{channel_code_sql('channel')} AS ch FROM transactions{clause}")


def events_sql(edges: str, windows: dict[str, int]) -> str:
    """Each transaction twice, once per end: (acct, cp, dir 1=out 0=in, t, eid, amt) with the pair's history.

    ``first_pair`` is 1 on the first transaction between the account and that counterparty in that
    direction; ``fresh_<w>`` is 1 when the pair had no transaction in the window before this one, so a
    windowed sum of it counts distinct counterparties in the window.
    """
    fresh = ", ".join(f"CASE WHEN prev_t IS NULL OR prev_t <= t - {w} THEN 1 ELSE 0 END AS fresh_{name}"
                      for name, w in windows.items())
    return f"""SELECT *, CASE WHEN prev_t IS NULL THEN 1 ELSE 0 END AS first_pair, {fresh} FROM (
  SELECT acct, cp, dir, t, eid, amt,
         lag(t) OVER (PARTITION BY acct, cp, dir ORDER BY t, eid) AS prev_t
  FROM (SELECT s AS acct, r AS cp, 1 AS dir, t, eid, amt FROM {edges}
        UNION ALL SELECT r AS acct, s AS cp, 0 AS dir, t, eid, amt FROM {edges}) u) x"""


def account_stats_sql(events: str, windows: dict[str, int]) -> str:
    """Per event row: the account's windowed and whole-history statistics up to the row's time."""
    cols: list[str] = []
    for name, w in windows.items():
        frame = f"OVER (PARTITION BY acct ORDER BY t RANGE BETWEEN {w - 1} PRECEDING AND CURRENT ROW)"
        cols += [f"sum(dir) {frame} AS out_cnt_{name}", f"sum(1 - dir) {frame} AS in_cnt_{name}",
                 f"sum(dir * fresh_{name}) {frame} AS out_fan_{name}",
                 f"sum((1 - dir) * fresh_{name}) {frame} AS in_fan_{name}",
                 f"sum(dir * amt) {frame} AS out_sum_{name}", f"sum((1 - dir) * amt) {frame} AS in_sum_{name}",
                 f"sum(dir * first_pair) {frame} AS out_new_{name}",
                 f"sum((1 - dir) * first_pair) {frame} AS in_new_{name}",
                 f"sum(dir * amt * amt) {frame} AS out_sq_{name}",
                 f"sum((1 - dir) * amt * amt) {frame} AS in_sq_{name}"]
    hist = "OVER (PARTITION BY acct ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    cols += [f"sum(dir) {hist} AS out_cnt_all", f"sum(1 - dir) {hist} AS in_cnt_all",
             f"sum(dir * first_pair) {hist} AS out_fan_all", f"sum((1 - dir) * first_pair) {hist} AS in_fan_all",
             f"(t - min(t) {hist}) / 86400.0 AS age_days",
             f"sum(dir * amt) {hist} / greatest(sum(dir) {hist}, 1) AS out_mean_all",
             f"sum((1 - dir) * amt) {hist} / greatest(sum(1 - dir) {hist}, 1) AS in_mean_all"]
    typed = [f"CAST({c.rsplit(' AS ', 1)[0]} AS DOUBLE) AS {c.rsplit(' AS ', 1)[1]}" for c in cols]
    return f"SELECT eid, dir, first_pair, {', '.join(typed)} FROM {events}"


def pairs_sql(edges: str) -> str:
    """(s, r, first_t): when each ordered pair first traded."""
    return f"SELECT s, r, min(t) AS first_t FROM {edges} GROUP BY s, r"


def two_hop_sql(pairs: str, *, closing: bool) -> str:
    """(a, b, m): for each traded pair (a, b), each intermediary x of a two-hop path between its ends, and
    ``m``, the time both legs existed. ``closing=False``: a -> x -> b (scatter-gather, parallel paths);
    ``closing=True``: b -> x -> a (the pair closes a three-cycle), with ``ordered`` = 1 when the path's legs
    first traded in time order (b -> x no later than x -> a). Self-loops through an end are left out."""
    if closing:
        return (f"SELECT p.s AS a, p.r AS b, greatest(l1.first_t, l2.first_t) AS m, "
                f"CASE WHEN l1.first_t <= l2.first_t THEN 1 ELSE 0 END AS ordered FROM {pairs} p "
                f"JOIN {pairs} l1 ON l1.s = p.r JOIN {pairs} l2 ON l2.s = l1.r AND l2.r = p.s "
                "WHERE l1.r <> p.s AND l1.r <> p.r AND p.s <> p.r")
    return (f"SELECT p.s AS a, p.r AS b, greatest(l1.first_t, l2.first_t) AS m, 1 AS ordered FROM {pairs} p "
            f"JOIN {pairs} l1 ON l1.s = p.s JOIN {pairs} l2 ON l2.s = l1.r AND l2.r = p.r "
            "WHERE l1.r <> p.s AND l1.r <> p.r AND p.s <> p.r")


def paths_until_sql(edges: str, paths: str) -> str:
    """(eid, paths, ordered_paths): per transaction, the two-hop paths of its pair that existed by its time.

    Path rows and transaction rows of one pair are merged in time order (paths first at a tie) and a
    running count read at each transaction row, so no transaction is joined to every path of its pair."""
    return f"""SELECT eid, paths, ordered_paths FROM (
  SELECT eid, CAST(sum(is_path) OVER w AS DOUBLE) AS paths,
         CAST(sum(is_path * ordered) OVER w AS DOUBLE) AS ordered_paths FROM (
    SELECT a, b, m AS t, 0 AS k, NULL AS eid, 1 AS is_path, ordered FROM {paths}
    UNION ALL SELECT s, r, t, 1, eid, 0, 0 FROM {edges}) u
  WINDOW w AS (PARTITION BY a, b ORDER BY t, k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) x
WHERE eid IS NOT NULL"""


def pair_history_sql(edges: str, pairs: str) -> str:
    """(eid, pair_prev, pair_gap_days, reciprocal): earlier transactions on the same pair, days since the
    last one, and whether the receiver had paid the sender by this time (a two-cycle)."""
    return f"""SELECT e.eid, e.pair_prev, e.pair_gap_days,
       CASE WHEN back.first_t IS NOT NULL AND back.first_t <= e.t THEN 1 ELSE 0 END AS reciprocal
FROM (SELECT eid, s, r, t, row_number() OVER (PARTITION BY s, r ORDER BY t, eid) - 1 AS pair_prev,
             (t - lag(t) OVER (PARTITION BY s, r ORDER BY t, eid)) / 86400.0 AS pair_gap_days FROM {edges}) e
LEFT JOIN {pairs} back ON back.s = e.r AND back.r = e.s"""


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


def assemble_sql(edges: str, stats: str, pair_hist: str, sg: str, cyc: str, hits: str | None,
                 hit_cols: Sequence[str], windows: dict[str, int]) -> str:
    """One row per transaction: sender (``s_``) and receiver (``r_``) statistics, the transaction's own
    amount against each end's usual amount, pair history, scatter-gather paths and cycles, rule hits."""
    side_cols = [f"{st}_{w}" for w in windows for st in WINDOW_STATS] + list(HISTORY_STATS)
    s_cols = ", ".join(f"so.{c} AS s_{c}" for c in side_cols)
    r_cols = ", ".join(f"ri.{c} AS r_{c}" for c in side_cols)
    derived = []
    for side, alias in (("s", "so"), ("r", "ri")):
        for w in windows:
            for d in ("out", "in"):
                n, total, sq = f"{alias}.{d}_cnt_{w}", f"{alias}.{d}_sum_{w}", f"{alias}.{d}_sq_{w}"
                avg = f"{total} / nullif({n}, 0)"
                derived += [f"{avg} AS {side}_{d}_avg_{w}",
                            f"sqrt(greatest({sq} / nullif({n}, 0) - ({avg}) * ({avg}), 0)) AS {side}_{d}_std_{w}"]
    hit_select = "".join(f", coalesce(h.{c}, 0) AS {c}" for c in hit_cols)
    hit_join = f" LEFT JOIN {hits} h ON h.eid = e.eid" if hits else ""
    return f"""SELECT e.eid, e.txn_id, e.t, e.amt, ln(1 + greatest(e.amt, 0)) AS log_amt,
       CASE WHEN e.amt = round(e.amt) THEN 1 ELSE 0 END AS whole_amount, e.ch AS payment_format,
       e.amt / nullif(so.out_mean_all, 0) AS amt_vs_sender_mean,
       e.amt / nullif(ri.in_mean_all, 0) AS amt_vs_receiver_mean,
       so.first_pair AS new_counterparty, {s_cols}, {r_cols}, {', '.join(derived)},
       p.pair_prev, p.pair_gap_days, p.reciprocal,
       coalesce(sg.paths, 0) AS sg_paths,
       so.in_fan_7d * so.out_fan_7d AS s_gs_paths_7d, ri.in_fan_7d * ri.out_fan_7d AS r_gs_paths_7d,
       coalesce(cy.paths, 0) AS cycle3_any, coalesce(cy.ordered_paths, 0) AS cycle3_ordered{hit_select}
FROM {edges} e JOIN {stats} so ON so.eid = e.eid AND so.dir = 1 JOIN {stats} ri ON ri.eid = e.eid AND ri.dir = 0
JOIN {pair_hist} p ON p.eid = e.eid LEFT JOIN {sg} sg ON sg.eid = e.eid LEFT JOIN {cyc} cy ON cy.eid = e.eid
{hit_join}"""
