"""Admiralty grades as SQL: the grade of every row a finding may cite, and of findings from what they cite.

One rule everywhere: a grade is one pair (reliability, credibility) that comes from one statement or
source, never the best reliability of one joined to the best credibility of another.

- a row's grade is its own if set, else its source's (the ``*_grades`` views of migration 4);
- an entity is as well attested as its best single statement (best by ``Grade.strength``);
- a claim that counts stands on its independent origins (a re-report of an origin is that origin
  once, graded no better than the weaker of reporter and original); its credibility rises only with
  independent origins, as the Admiralty scale's "confirmed by other sources" says; a claim that does
  not count keeps its own grade;
- a finding is no stronger than its weakest link: the weaker value on each axis over what it rests on
  (transactions, statements, events, sources, documents, mentions, claims, cited findings); accounts
  and entities say who, not what happened, so they weigh in only when nothing else is cited.

``finding_grades_sql`` grades any set of findings in one statement; ``store.findings`` runs it when
findings are written and when a source is re-graded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

COUNTED_STATUSES = ("asserted", "confirmed")


def strength_sql(rel: str, cred: str) -> str:
    """``Grade.strength`` in SQL: reliability dominates; F and 6 rank as weak as E and 5."""
    return (f"(CASE {rel} WHEN 'A' THEN 50 WHEN 'B' THEN 40 WHEN 'C' THEN 30 WHEN 'D' THEN 20 ELSE 10 END + "
            f"CASE {cred} WHEN 1 THEN 5 WHEN 2 THEN 4 WHEN 3 THEN 3 WHEN 4 THEN 2 ELSE 1 END)")


def wording_sql(rel: str, cred: str) -> str:
    """``Grade.wording`` in SQL; ungraded (NULL) is worded as doubtful, as a report does."""
    return (f"CASE WHEN {rel} IS NULL OR {cred} IS NULL THEN 'doubtful' "
            f"WHEN {rel} IN ('A', 'B') AND {cred} <= 2 THEN CASE WHEN {cred} = 1 THEN 'confirmed' ELSE 'probable' END "
            f"WHEN {rel} IN ('A', 'B', 'C') AND {cred} <= 3 THEN CASE WHEN {cred} <= 2 THEN 'probable' "
            "ELSE 'possible' END "
            f"WHEN {rel} IN ('A', 'B', 'C', 'D') AND {cred} <= 3 THEN 'possible' ELSE 'doubtful' END")


def entity_grades_sql() -> str:
    """(entity_id, reliability, credibility): each entity's best single statement."""
    return ("SELECT entity_id, reliability, credibility FROM (SELECT entity_id, reliability, credibility, "
            f"row_number() OVER (PARTITION BY entity_id ORDER BY {strength_sql('reliability', 'credibility')} DESC, "
            "reliability, credibility) AS rn FROM statement_grades WHERE reliability IS NOT NULL "
            "AND credibility IS NOT NULL) g WHERE rn = 1")


def claim_standing_sql() -> str:
    """(claim_key, reliability, credibility): the standing of each counted claim from its independent
    origins (``evidence.corroboration.combine_origins``, set-based)."""
    statuses = ", ".join(f"'{s}'" for s in COUNTED_STATUSES)
    support = (
        "SELECT c.claim_key, c.claim_id, coalesce(o.origin_source_id, c.source_id) AS origin_id, "
        "CASE WHEN coalesce(o.depth, 0) = 0 OR s.reliability IS NULL THEN g.reliability "
        "ELSE greatest(g.reliability, s.reliability) END AS rel, "
        "CASE WHEN coalesce(o.depth, 0) = 0 OR s.reliability IS NULL THEN g.credibility "
        "ELSE greatest(g.credibility, s.credibility) END AS cred "
        "FROM claims c JOIN claim_grades g ON g.claim_id = c.claim_id "
        "LEFT JOIN source_origins o ON o.source_id = c.source_id "
        "LEFT JOIN sources s ON s.source_id = coalesce(o.origin_source_id, c.source_id) "
        f"WHERE c.status IN ({statuses})")
    # One grade per origin: its best report; then the best origin, raised by how many there are.
    origins = (f"SELECT claim_key, origin_id, rel, cred, {strength_sql('rel', 'cred')} AS strength FROM ("
               "SELECT *, row_number() OVER (PARTITION BY claim_key, origin_id ORDER BY "
               f"{strength_sql('rel', 'cred')} DESC, claim_id) AS rn FROM ({support}) s) o WHERE rn = 1")
    ranked = ("SELECT *, row_number() OVER (PARTITION BY claim_key ORDER BY strength DESC, origin_id) AS rn, "
              "sum(CASE WHEN rel IN ('A', 'B') THEN 1 ELSE 0 END) OVER (PARTITION BY claim_key) AS n_ab, "
              "sum(CASE WHEN rel IN ('A', 'B', 'C') THEN 1 ELSE 0 END) OVER (PARTITION BY claim_key) AS n_abc, "
              "sum(CASE WHEN rel = 'A' THEN 1 ELSE 0 END) OVER (PARTITION BY claim_key) AS n_a "
              f"FROM ({origins}) o")
    ceiling = ("CASE WHEN n_ab >= 3 OR (n_ab >= 2 AND n_a >= 1) OR (n_ab >= 1 AND n_abc >= 3) THEN 1 "
               "WHEN n_ab >= 2 OR (n_ab >= 1 AND n_abc >= 2) THEN 2 WHEN n_abc >= 2 THEN 3 ELSE 6 END")
    return (f"SELECT claim_key, rel AS reliability, least(cred, {ceiling}) AS credibility "
            f"FROM ({ranked}) r WHERE rn = 1")


def claim_confidence_sql() -> str:
    """(claim_id, reliability, credibility): a counted claim's standing, else the claim's own grade
    (nobody has vouched for an extracted or rejected claim). Both values come from the same branch."""
    statuses = ", ".join(f"'{s}'" for s in COUNTED_STATUSES)
    counted = f"c.status IN ({statuses}) AND st.claim_key IS NOT NULL"
    return (f"SELECT c.claim_id, CASE WHEN {counted} THEN st.reliability ELSE g.reliability END AS reliability, "
            f"CASE WHEN {counted} THEN st.credibility ELSE g.credibility END AS credibility "
            "FROM claims c JOIN claim_grades g ON g.claim_id = c.claim_id "
            f"LEFT JOIN ({claim_standing_sql()}) st ON st.claim_key = c.claim_key")


# ref kind -> (SQL giving (id, reliability, credibility), its id column, weighs as "who" rather than "what")
ROW_GRADES: dict[str, tuple[str, str, bool]] = {
    "transaction": ("SELECT txn_id, reliability, credibility FROM transaction_grades", "txn_id", False),
    "statement": ("SELECT statement_id, reliability, credibility FROM statement_grades", "statement_id", False),
    "event": ("SELECT event_id, reliability, credibility FROM event_grades", "event_id", False),
    "claim": (claim_confidence_sql(), "claim_id", False),
    "source": ("SELECT source_id, reliability, credibility FROM sources", "source_id", False),
    "document": ("SELECT d.document_id, s.reliability, s.credibility FROM documents d "
                 "JOIN sources s ON s.source_id = d.source_id", "document_id", False),
    "mention": ("SELECT m.mention_id, s.reliability, s.credibility FROM mentions m "
                "JOIN sources s ON s.source_id = m.source_id", "mention_id", False),
    "finding": ("SELECT finding_id, reliability, credibility FROM findings", "finding_id", False),
    "account": ("SELECT a.account_key, s.reliability, s.credibility FROM accounts a "
                "JOIN sources s ON s.source_id = a.source_id", "account_key", True),
    "entity": (entity_grades_sql(), "entity_id", True),
}


WHO_KINDS = frozenset(k for k, (_, _, who) in ROW_GRADES.items() if who)


def kinds_to_read(ref_kinds_per_finding: Iterable[set[str]]) -> set[str]:
    """The ref kinds whose grades a batch of findings needs: a finding citing what happened is graded
    from that alone, so the tables of who (accounts, entities) are read only for findings citing nothing
    else."""
    needed: set[str] = set()
    for kinds in ref_kinds_per_finding:
        what = kinds - WHO_KINDS
        needed |= what or kinds
    return needed


def row_grades_sql(kind: str) -> str:
    """(id, reliability, credibility) for every row of a kind, with inheritance applied."""
    if kind not in ROW_GRADES:
        raise ValueError(f"rows of kind {kind!r} carry no grade; graded kinds: {sorted(ROW_GRADES)}")
    return ROW_GRADES[kind][0]


def transaction_sources_sql() -> str:
    """The sources the case's transactions inherit their grades from (a handful of rows)."""
    return "SELECT DISTINCT source_id FROM transactions"


def own_transaction_grades_sql() -> str:
    """How many transactions carry a grade of their own (almost always none: a cheap, statistics-led scan)."""
    return "SELECT count(*) FROM transactions WHERE reliability IS NOT NULL OR credibility IS NOT NULL"


def finding_grades_sql(refs: str, kinds: Iterable[str] | None = None,
                       same_grade: Mapping[str, tuple[str, int] | None] | None = None) -> str:
    """(finding_id, reliability, credibility, wording) for every finding in ``refs`` (a table or
    subquery with finding_id, ref_kind, ref_id): the weakest link over what it rests on. ``kinds``, when
    the caller knows which ref kinds occur, leaves the other kinds' tables unread. ``same_grade`` gives,
    for a kind whose every row has one grade (or none: None), that grade, so those rows are not looked up
    (``store.findings`` knows it for transactions when all of them inherit one grade)."""
    wanted = set(ROW_GRADES) if kinds is None else set(kinds) & set(ROW_GRADES)
    same_grade = same_grade or {}
    parts = ["SELECT CAST(NULL AS VARCHAR) AS finding_id, 0 AS who, CAST(NULL AS VARCHAR) AS reliability, "
             "CAST(NULL AS INTEGER) AS credibility WHERE 1 = 0"]
    for kind, (sql, id_col, who) in ROW_GRADES.items():
        if kind not in wanted:
            continue
        if kind in same_grade:
            grade = same_grade[kind]
            if grade is not None:
                rel, cred = grade
                rel = rel.replace("'", "''")
                parts.append(f"SELECT r.finding_id, {int(who)} AS who, '{rel}' AS reliability, "
                             f"CAST({int(cred)} AS INTEGER) AS credibility FROM {refs} r WHERE r.ref_kind = '{kind}'")
            continue
        parts.append(f"SELECT r.finding_id, {int(who)} AS who, g.reliability, g.credibility FROM {refs} r "
                     f"JOIN ({sql}) g ON g.{id_col} = r.ref_id WHERE r.ref_kind = '{kind}' "
                     "AND g.reliability IS NOT NULL AND g.credibility IS NOT NULL")
    graded = " UNION ALL ".join(parts)
    # The weakest link among what happened (who = 0) or, when nothing happened is cited, among who.
    at_level = ("CASE WHEN min(who) = 0 THEN max(CASE WHEN who = 0 THEN {c} END) ELSE max({c}) END AS {c}")
    return (f"SELECT finding_id, reliability, credibility, {wording_sql('reliability', 'credibility')} AS wording "
            f"FROM (SELECT finding_id, {at_level.format(c='reliability')}, {at_level.format(c='credibility')} "
            f"FROM ({graded}) g GROUP BY finding_id) w")
