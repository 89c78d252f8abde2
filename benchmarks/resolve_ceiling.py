"""The ceiling of the scale part: the best pairwise recall any method could reach at a precision floor.

An oracle that knows every identity (its given name, surname and birth date, and how the generator
spells a name in each script) still cannot place a record whose fields fit several identities: an
initial and a surname without a birth date ("K. Darkaim"), or an Arabic spelling without short
vowels that two surnames share. For each record the oracle lists the identities whose spellings
(5 variants x 2 orders) produce exactly its name and whose birth date its date does not contradict,
with each one's likelihood (the variant's and the order's shares). A record with one such identity
is placed for certain. An ambiguous one goes to its most likely identity only when that
identity's posterior reaches a threshold; the ceiling is the best recall over thresholds at which
the oracle's pairwise precision stays at or above the floor. It is an upper bound: no method
knows the identity table, only the records.

``records_ceiling`` is the records-only oracle. It knows the spelling rules (every token's Latin,
Cyrillic, Arabic, typo and initial form, compared case-folded, the variant and order shares), the
shares of records with a birth date and the number of days dates are drawn from, and how many
identities the generator draws (rows // 3), but not the identities: an identity's name and date are
known only as far as its OTHER records show them. Per record it is told which identity every other
record belongs to (more than any method reading the records has), and from that computes the exact
Bayes posterior of the record's identity under the generator:
- readings: the (given name, surname) pairs whose spellings give the record's name, each with the
  chance of that spelling; an identity's name posterior is the product of its records' readings
  (uniform prior), for the record's own identity without the record itself (leave one out);
- likelihood of identity j: sum over names of j's posterior times the record's reading, times the
  date term (0.7 if the dates agree, 0 if they differ, 0.7 / days if no other record of j has one,
  0.3 if the record has none);
- a new identity (one no other record shows: about e^-3 of them, counted exactly) competes with
  the prior over all names and dates; records are assigned to identities uniformly, so every shown
  identity has the same prior and the new one that count times it.
Each record goes to its most likely shown identity; records are added in order of posterior and the
ceiling is the best recall at precision >= floor, counted over the clusters this makes (the way
``oracle_ceiling`` spends its budget). It is not a proof over all clusterings (pairwise scores are
not a sum over records) but every placement uses more than a method could know, and the posteriors
are checked against the truth (placements expected right vs right).

With ``anchors=True`` the same computation is a method that reads only the records (and the spelling
rules, shares and identity count above: no truth): records whose name reads one way only are grouped
by that name (split by birth date where one name carries two: namesakes) and kept there; every other
record joins its most likely group by the posterior above, or stays alone. What it reaches is
reachable, a floor under the records-only ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Ceiling:
    records: int
    ambiguous_records: int  # fit two or more identities
    true_pairs: int
    certain_pairs: int  # true pairs whose two records each fit one identity only
    recall: float  # best recall at precision >= floor
    precision: float
    threshold: float  # the posterior an ambiguous record needed to be placed


def _pairs(labels: np.ndarray, truth: np.ndarray) -> tuple[int, int]:
    """(pairs in one cluster, of which true) for cluster labels and true identities."""
    _, sizes = np.unique(labels, return_counts=True)
    _, same = np.unique(np.stack([labels, truth]), axis=1, return_counts=True)
    return int((sizes * (sizes - 1) // 2).sum()), int((same * (same - 1) // 2).sum())


def oracle_ceiling(people: Any, ident: np.ndarray, table: pa.Table, variant_shares: tuple[float, ...],
                   swap_share: float, floor: float = 0.95) -> Ceiling:
    """``people``: the benchmark's ``ScaleIdentities``; ``ident``: each record's identity (records
    r0..rN-1 in order); ``table``: the statements (name and birthDate per record)."""
    rows = len(ident)
    present = np.unique(ident)
    variants, orders = len(variant_shares), 2
    who = np.repeat(present, variants * orders)
    variant = np.tile(np.repeat(np.arange(variants), orders), len(present))
    swap = np.tile(np.array([False, True]), len(present) * variants)
    likelihood = np.asarray(variant_shares)[variant] * np.where(swap, swap_share, 1 - swap_share)
    # Compared case-folded: the generator writes typo variants in lower case, a tell no real source gives.
    forms = pa.table({"name": pc.utf8_lower(pa.array(people.names(who, variant, swap).astype(str))), "who": who,
                      "birth": people.birth[who].astype(str), "lik": likelihood})
    forms = forms.group_by(["name", "who", "birth"]).aggregate([("lik", "sum")])  # one string, two ways
    names = table.filter(pc.equal(table.column("prop"), "name"))
    dobs = table.filter(pc.equal(table.column("prop"), "birthDate"))
    record = pa.table({"rec": np.arange(rows), "name": pc.utf8_lower(names.column("value")),
                       "dob": dobs.column("value")})
    fits = record.join(forms, "name", join_type="inner")
    fits = fits.filter(pc.or_(pc.equal(fits.column("dob"), ""), pc.equal(fits.column("dob"), fits.column("birth"))))
    rec = fits.column("rec").to_numpy()
    cand = fits.column("who").to_numpy()
    lik = fits.column("lik_sum").to_numpy()
    order = np.lexsort((cand, -lik, rec))  # per record: most likely first, ties to the lowest identity
    rec, cand, lik = rec[order], cand[order], lik[order]
    first = np.concatenate([[True], rec[1:] != rec[:-1]])
    total = np.bincount(rec, weights=lik, minlength=rows)
    count = np.bincount(rec, minlength=rows)
    best = np.full(rows, -1, np.int64)
    best[rec[first]] = cand[first]
    posterior = np.zeros(rows)
    posterior[rec[first]] = lik[first] / total[rec[first]]
    sizes = np.bincount(ident)
    true_pairs = int((sizes * (sizes - 1) // 2).sum())
    certain = count == 1
    singleton = -1 - np.arange(rows)  # a record the oracle does not place stands alone
    _, certain_true = _pairs(np.where(certain, best, singleton), ident)
    result = Ceiling(rows, int((count > 1).sum()), true_pairs, certain_true, certain_true / max(true_pairs, 1),
                     1.0, 1.0)
    for threshold in sorted({round(float(p), 3) for p in posterior[count > 1]}, reverse=True):
        placed = certain | ((count > 1) & (posterior >= threshold - 1e-9))
        predicted, correct = _pairs(np.where(placed, best, singleton), ident)
        precision, recall = correct / max(predicted, 1), correct / max(true_pairs, 1)
        if precision < floor:
            break
        if recall > result.recall:
            result = Ceiling(rows, result.ambiguous_records, true_pairs, certain_true, recall, precision, threshold)
    return result


# -- the records-only oracle ------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordsCeiling:
    records: int
    true_pairs: int
    one_candidate: int  # records whose compatible set among identities seen elsewhere is one identity
    one_candidate_recall: float  # recall when only those are placed
    recall: float  # best recall at precision >= floor
    precision: float
    threshold: float  # the posterior a record needed to be placed
    breakdown: list[tuple[str, bool, int, int, int, int, int]]  # variant, has dob, records, one candidate,
    # placed at the threshold, off their identity's largest cluster or alone, true pair ends lost
    expected_right: float  # the posteriors' sum over records with a candidate: the placements expected right
    right: int  # of them placed in their own identity (-1 with anchors: their groups are not identities)
    all_placed: tuple[float, float]  # precision and recall with every record at its most likely identity
    more_likely: tuple[float, float]  # the same placing only records whose posterior is at least 0.5


def _rank_within(order: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """For records taken in ``order``, how many earlier ones share all ``keys`` with each."""
    taken = [k[order] for k in keys]
    by = np.lexsort((np.arange(len(order)), *taken[::-1]))
    start = np.ones(len(order), bool)
    for k in taken:
        start[1:] &= k[by][1:] == k[by][:-1]
    start = ~start
    start[0] = True
    begin = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
    rank = np.empty(len(order), np.int64)
    rank[by] = np.arange(len(order)) - begin
    return rank


def _at_least(threshold: float, posteriors: np.ndarray, precision: np.ndarray,
              recall: np.ndarray) -> tuple[float, float]:
    """Precision and recall when the records whose posterior reaches ``threshold`` are placed
    (``posteriors`` descending, one per step of the sweep)."""
    steps = np.flatnonzero(posteriors >= threshold)
    return (float(precision[steps[-1]]), float(recall[steps[-1]])) if len(steps) else (1.0, 0.0)


def _token_forms(tokens: np.ndarray, forms: tuple[np.ndarray, ...], initial: bool,
                 shares: tuple[float, ...]) -> pa.Table:
    """Every lower-cased spelling of every token: (tok, idx, variant, the variant's share)."""
    latin = np.char.lower(tokens.astype(str))
    spelled = [latin, *(np.char.lower(f.astype(str)) for f in forms),
               np.char.add(np.array([t[0] for t in latin], dtype=str), ".") if initial else latin]
    n = len(tokens)
    return pa.table({"tok": np.concatenate(spelled), "idx": np.tile(np.arange(n), len(spelled)),
                     "v": np.repeat(np.arange(len(spelled)), n), "share": np.repeat(np.asarray(shares), n)})


def _readings_sql(swap_share: float) -> str:
    """Each record's readings: the (given name, surname) pairs the spelling rules turn into its name,
    with the chance of that spelling (the variant's share times the order's)."""
    return f"""CREATE TABLE rc_read AS SELECT rec, fi, li, sum(lik) AS lik FROM (
              SELECT r.rec, f.idx AS fi, l.idx AS li, f.share * {1 - swap_share} AS lik FROM rc_rec r
              JOIN rc_first f ON f.tok = r.a JOIN rc_last l ON l.tok = r.b AND l.v = f.v
              UNION ALL
              SELECT r.rec, f.idx, l.idx, f.share * {swap_share} FROM rc_rec r
              JOIN rc_last l ON l.tok = r.a JOIN rc_first f ON f.tok = r.b AND f.v = l.v) GROUP BY ALL"""


# Records whose name reads one way only, grouped by that name (and by birth date where records of
# one name carry two dates: namesakes); the other records stand alone and are never a candidate.
_ANCHORS_SQL = """CREATE OR REPLACE TABLE rc_rec AS
    WITH single AS (SELECT rec, min(fi) AS fi, min(li) AS li FROM rc_read GROUP BY rec HAVING count(*) = 1),
    named AS (SELECT s.rec, s.fi, s.li, r.dob FROM single s JOIN rc_rec r USING (rec)),
    dates AS (SELECT fi, li, count(DISTINCT dob) AS dobs FROM named GROUP BY fi, li),
    keyed AS (SELECT n.rec, CASE WHEN d.dobs <= 1 THEN n.fi || '/' || n.li
                                 WHEN n.dob IS NOT NULL THEN n.fi || '/' || n.li || '/' || n.dob END AS key
              FROM named n JOIN dates d USING (fi, li))
    SELECT r.* EXCLUDE (ident, shown), coalesce(dense_rank() OVER (ORDER BY k.key), 0) AS rank_,
           CASE WHEN k.key IS NULL THEN 1000000000 + r.rec ELSE rank_ END AS ident, k.key IS NOT NULL AS shown
    FROM rc_rec r LEFT JOIN keyed k USING (rec)"""


def _records_posterior_sql(dob_share: float, birth_days: int, tokens: int, identities: int) -> list[str]:
    """The records-only oracle's steps (tables rc_*), ending in rc_best: each record's most likely
    seen identity, its posterior, and how many seen identities its name and date fit."""
    unknown_dob = f"CASE WHEN r.dob IS NULL THEN {1 - dob_share} ELSE {dob_share / birth_days} END"
    known_dob = f"CASE WHEN r.dob IS NULL THEN {1 - dob_share} WHEN r.dob = {{birth}} THEN {dob_share} ELSE 0 END"
    return [
        """CREATE TABLE rc_ident AS SELECT ident, count(*) AS n, count(dob) AS ndob, max(dob) AS birth,
              sum(rec) AS recsum, bool_or(shown) AS shown FROM rc_rec GROUP BY ident""",
        # per identity, the readings all its records share (c = n), or all but one (c = n - 1)
        """CREATE TABLE rc_entry AS SELECT e.*, i.n, i.recsum - e.holdsum AS lacking FROM (
              SELECT r.ident, d.fi, d.li, count(*) AS c, exp(sum(ln(d.lik))) AS prod, sum(d.rec) AS holdsum
              FROM rc_read d JOIN rc_rec r USING (rec) GROUP BY ALL) e JOIN rc_ident i USING (ident)
            WHERE e.c >= greatest(i.n - 1, 1)""",
        """CREATE TABLE rc_full AS SELECT ident, fi, li, prod / sum(prod) OVER (PARTITION BY ident) AS p,
              sum(prod) OVER (PARTITION BY ident) AS total FROM rc_entry WHERE c = n""",
        # another identity: its name posterior from all its records, its date if any of them has one
        f"""CREATE TABLE rc_cand AS SELECT c.rec, c.who, c.lname * CASE WHEN i.ndob > 0
              THEN {known_dob.format(birth='i.birth')} ELSE {unknown_dob} END AS l
            FROM (SELECT d.rec, f.ident AS who, sum(f.p * d.lik) AS lname FROM rc_read d
                  JOIN rc_full f ON f.fi = d.fi AND f.li = d.li JOIN rc_rec r ON r.rec = d.rec
                  WHERE f.ident <> r.ident GROUP BY ALL) c
            JOIN rc_rec r ON r.rec = c.rec JOIN rc_ident i ON i.ident = c.who AND i.shown""",
        # its own identity, from its other records only: sum(prod) / sum(prod without this record)
        f"""INSERT INTO rc_cand SELECT r.rec, r.ident, s.total / (o.d1 + coalesce(x.d2, 0)) *
              CASE WHEN i.ndob - (r.dob IS NOT NULL)::INT > 0 THEN {known_dob.format(birth='i.birth')}
              ELSE {unknown_dob} END
            FROM rc_rec r JOIN rc_ident i ON i.ident = r.ident AND i.n >= 2
            JOIN (SELECT DISTINCT ident, total FROM rc_full) s ON s.ident = r.ident
            JOIN (SELECT d.rec, sum(e.prod / d.lik) AS d1 FROM rc_read d JOIN rc_rec r USING (rec)
                  JOIN rc_entry e ON e.ident = r.ident AND e.fi = d.fi AND e.li = d.li AND e.c = e.n
                  GROUP BY d.rec) o ON o.rec = r.rec
            LEFT JOIN (SELECT lacking AS rec, sum(prod) AS d2 FROM rc_entry WHERE n >= 2 AND c = n - 1
                       GROUP BY lacking) x ON x.rec = r.rec""",
        # a new identity (none of the other records): the prior over names and dates, weighted by how
        # many identities no other record shows; ties between identities (to 9 digits, not to the float
        # sums' order) broken by a hash, not by truth
        f"""CREATE TABLE rc_best AS SELECT r.rec, b.who,
              coalesce(round(b.l / (b.sum_l + n0.lnew * {unknown_dob}), 9), 0) AS posterior,
              coalesce(b.k, 0) AS k FROM rc_rec r
            JOIN (SELECT d.rec, sum(d.lik) / {tokens} * ({identities} - (SELECT count(*) FROM rc_ident WHERE shown)
                         + any_value(i.n = 1 AND i.shown)::INT) AS lnew
                  FROM rc_read d JOIN rc_rec r USING (rec) JOIN rc_ident i USING (ident) GROUP BY d.rec) n0
              ON n0.rec = r.rec
            LEFT JOIN (SELECT rec, who, l, sum(l) OVER w AS sum_l, count(*) OVER w AS k FROM rc_cand WHERE l > 0
                       WINDOW w AS (PARTITION BY rec)
                       QUALIFY row_number() OVER (PARTITION BY rec ORDER BY round(ln(l), 9) DESC, hash(who)) = 1) b
              ON b.rec = r.rec""",
    ]


_VARIANT_SQL = ("CASE WHEN regexp_matches(name, '[\u0600-\u06FF]') THEN 'arabic' "
                "WHEN regexp_matches(name, '[\u0400-\u04FF]') THEN 'cyrillic' "
                "WHEN regexp_matches(name, '(^| )[A-Z]\\.') THEN 'initial' "
                "WHEN name = lower(name) THEN 'typo' ELSE 'latin' END")  # for the breakdown only


def records_ceiling(people: Any, ident: np.ndarray, table: pa.Table, variant_shares: tuple[float, ...],
                    swap_share: float, dob_share: float, birth_days: int, floor: float = 0.95,
                    anchors: bool = False) -> RecordsCeiling:
    """The best recall at precision >= ``floor`` of the records-only oracle (see the module's
    docstring); arguments as ``oracle_ceiling``'s, plus the share of records with a birth date and
    the number of days birth dates are drawn from."""
    from moneytrail.engine import open_engine

    rows = len(ident)
    names = table.filter(pc.equal(table.column("prop"), "name")).column("value")
    dobs = table.filter(pc.equal(table.column("prop"), "birthDate")).column("value")
    engine = open_engine(None, backend="duckdb")
    try:
        engine.register_arrow("rc_given", pa.table({"rec": np.arange(rows), "ident": ident, "name": names,
                                                    "dob": dobs}))
        engine.register_arrow("rc_first", _token_forms(people.first, people.forms_first, True, variant_shares))
        engine.register_arrow("rc_last", _token_forms(people.last, people.forms_last, False, variant_shares))
        engine.execute(f"""CREATE TABLE rc_rec AS SELECT rec, ident, split_part(lower(name), ' ', 1) AS a,
                             split_part(lower(name), ' ', 2) AS b, nullif(dob, '') AS dob,
                             len(string_split(name, ' ')) AS words, {_VARIANT_SQL} AS variant, TRUE AS shown
                             FROM rc_given""")
        if engine.scalar("SELECT count(*) FROM rc_rec WHERE words <> 2"):
            raise ValueError("a scale name is not two words: the readings below would miss it")
        engine.execute(_readings_sql(swap_share))
        if anchors:
            engine.execute(_ANCHORS_SQL)
        for sql in _records_posterior_sql(dob_share, birth_days, len(people.first) * len(people.last),
                                          len(people.fi)):
            engine.execute(sql)
        engine.register_arrow("rc_true", pa.table({"rec": np.arange(rows), "fi": people.fi[ident],
                                                   "li": people.li[ident]}))
        unread = engine.scalar("SELECT count(*) FROM rc_true t ANTI JOIN rc_read d USING (rec, fi, li)")
        if unread:  # every record must be readable as its own identity's name, or the oracle is wrong
            raise ValueError(f"{unread} records whose readings miss their own name")
        best = engine.query("SELECT b.who, b.posterior, b.k, r.variant, r.dob IS NOT NULL AS dated, r.ident, "
                            "r.shown FROM rc_best b JOIN rc_rec r USING (rec) ORDER BY rec")
    finally:
        engine.close()
    who = best.column("who").fill_null(-1).to_numpy()
    posterior = best.column("posterior").to_numpy()
    k = best.column("k").to_numpy()
    if anchors:  # the method keeps each record that reads one way in its name's group, first
        shown = best.column("shown").to_numpy(zero_copy_only=False)
        who = np.where(shown, best.column("ident").to_numpy(), who)
        posterior = np.where(shown, 2.0, posterior)
    sizes = np.bincount(ident)
    true_pairs = int((sizes * (sizes - 1) // 2).sum())
    alone = -1 - np.arange(rows)
    _, one_true = _pairs(np.where(k == 1, who, alone), ident)
    # placed in order of posterior: each record adds a pair with every earlier one given the same
    # identity (predicted) and with those of them that share its true identity (correct)
    order = np.flatnonzero(who >= 0)
    order = order[np.argsort(-posterior[order], kind="stable")]
    predicted = np.cumsum(_rank_within(order, who))
    correct = np.cumsum(_rank_within(order, who, ident))
    ends = np.flatnonzero(np.append(posterior[order][1:] != posterior[order][:-1], True))
    precision = correct[ends] / np.maximum(predicted[ends], 1)
    precision[predicted[ends] == 0] = 1.0
    recall = correct[ends] / max(true_pairs, 1)
    ok = np.flatnonzero(precision >= floor)
    at = ok[np.argmax(recall[ok])] if len(ok) else -1
    placed = np.zeros(rows, bool)
    if at >= 0:
        placed[order[: ends[at] + 1]] = True
    label = np.where(placed, who, alone)
    _, inverse, counts = np.unique(np.stack([label, ident]), axis=1, return_inverse=True, return_counts=True)
    together = counts[inverse.ravel()]
    lost = sizes[ident] - together  # true pairs of each record not in its cluster
    largest = np.zeros(len(sizes), np.int64)
    np.maximum.at(largest, ident, together)
    # not in its identity's largest cluster (a tie counts as in), or alone though it has others
    off = (together < largest[ident]) | ((together == 1) & (sizes[ident] > 1))
    variant = best.column("variant").to_numpy(zero_copy_only=False)
    dated = best.column("dated").to_numpy(zero_copy_only=False)
    breakdown = []
    for v in ("latin", "cyrillic", "arabic", "typo", "initial"):
        for d in (True, False):
            m = (variant == v) & (dated == d)
            breakdown.append((v, d, int(m.sum()), int((m & (k == 1)).sum()), int((m & placed).sum()),
                              int((m & off).sum()), int(lost[m].sum())))
    return RecordsCeiling(rows, true_pairs, int((k == 1).sum()), one_true / max(true_pairs, 1),
                          float(recall[at]) if at >= 0 else 0.0, float(precision[at]) if at >= 0 else 1.0,
                          float(posterior[order[ends[at]]]) if at >= 0 else 1.0, breakdown,
                          float(np.minimum(posterior[who >= 0], 1).sum()),
                          -1 if anchors else int((who == ident).sum()),
                          (float(precision[-1]), float(recall[-1])) if len(ends) else (1.0, 0.0),
                          _at_least(0.5, posterior[order][ends], precision, recall))


def main() -> None:
    """Both ceilings without running resolution: ``python benchmarks/resolve_ceiling.py --rows 100000``."""
    import argparse
    import time

    from resolve import (
        BIRTH_DAYS,
        CEILING_PRECISION,
        DOB_SHARE,
        SWAP_SHARE,
        VARIANT_SHARES,
        cpu_seconds,
        scale_population,
    )

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-identity-oracle", action="store_true", help="only the records-only oracle")
    args = parser.parse_args()
    table, ident, people = scale_population(args.rows)
    if not args.no_identity_oracle:
        start, cpu = time.perf_counter(), cpu_seconds()
        full = oracle_ceiling(people, ident, table, VARIANT_SHARES, SWAP_SHARE, floor=CEILING_PRECISION)
        print(f"identity-list oracle: P {full.precision:.4f} R {full.recall:.4f} (certain alone R "
              f"{full.certain_pairs / max(full.true_pairs, 1):.4f}) in {time.perf_counter() - start:.1f} s / "
              f"{cpu_seconds() - cpu:.1f} CPU s")
    for anchors in (False, True):
        start, cpu = time.perf_counter(), cpu_seconds()
        best = records_ceiling(people, ident, table, VARIANT_SHARES, SWAP_SHARE, DOB_SHARE, BIRTH_DAYS,
                               floor=CEILING_PRECISION, anchors=anchors)
        print(f"\n{'anchored records (a method)' if anchors else 'records-only oracle'}: P {best.precision:.4f} R "
              f"{best.recall:.4f} at posterior >= {best.threshold:.3f}; {best.one_candidate:,} of {best.records:,} "
              f"records fit one seen identity (placing only them: R {best.one_candidate_recall:.4f}); "
              + ("" if anchors else f"placements expected right {best.expected_right:,.0f}, right {best.right:,}; ")
              + f"every record placed: P {best.all_placed[0]:.4f} R {best.all_placed[1]:.4f}; only posteriors >= "
              f".5: P {best.more_likely[0]:.4f} R {best.more_likely[1]:.4f}; "
              f"{time.perf_counter() - start:.1f} s / {cpu_seconds() - cpu:.1f} CPU s")
        print_breakdown(best)


def print_breakdown(best: RecordsCeiling) -> None:
    print(f"{'variant':9} {'dob':4} {'records':>9} {'fit one':>9} {'placed':>9} {'off main':>9} "
          f"{'lost pair ends':>14}")
    for v, d, n, one, placed, off, lost in best.breakdown:
        print(f"{v:9} {'yes' if d else 'no':4} {n:9,} {one:9,} {placed:9,} {off:9,} {lost:14,}")
    print(f"(pair ends: each lost true pair counts at both its records; true pairs {best.true_pairs:,})")


if __name__ == "__main__":
    main()
