"""The tables the explorer derives from a case, each defined once as SQL over the case's own tables.

The explorer index (web/index.py) materialises them, sorted so that a page's look-up reads a row group or
two (DuckDB's zone maps); until it is ready, ``source`` hands out the same SQL as a subquery, so pages give
the same answers either way, only slower. Every page reads these through ``source``, never the definitions.

- ``labels``: one display name per canonical id.
- ``holders``: each account's holder under its canonical (resolved) id, and its name.
- ``by_account``: every payment twice, under the account that paid (out) and the account paid (in), with the
  counterparty's holder.
- ``account_totals``: money in and out of each account.
- ``search_terms``: what search matches, lower-cased once: names and entity ids (``name``, ``id``),
  identifiers without spaces (``ident``), account keys (``account``) and IBANs without spaces (``iban``).
- ``entity_facets``: (canonical id, facet, value) for the search facets.
- ``entity_summary``: a search hit's row: name, aliases, schemas, countries and counts.
- ``finding_payments``: the payments each finding cites, with its role for each.
- ``finding_sources``: the sources each finding rests on, directly or through the rows it cites.
- ``statements_by_entity``: statements with their source's title and grade, sorted by entity.
- ``cluster_pairs``: scored pairs inside one resolved entity, under its canonical id.
- ``refs_by_finding``, ``refs_by_target``: the findings' references, sorted by finding and by what they cite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from moneytrail.store import Case
from moneytrail.store.entities import account_holders_sql

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
ID_PROPS = ("iban", "accountNumber", "registrationNumber", "idNumber", "taxNumber", "innCode", "ogrnCode",
            "swiftBic", "leiCode", "imoNumber")
COUNTRY_PROPS = ("country", "jurisdiction", "nationality")
FACETS = ("schema", "country", "source", "dataset", "grade")
_COLUMNS = ("txn_id", "ts", "amount", "currency", "amount_rc", "channel", "source_id", "reliability", "credibility")

Source = Callable[[str], str]  # a derived table's name -> a FROM-clause source for it


def quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def members_sql() -> str:
    """(entity_id, canonical_id) for every entity with statements, mapped to itself when unresolved."""
    return ("SELECT DISTINCT s.entity_id, coalesce(c.canonical_id, s.entity_id) AS canonical_id FROM statements s "
            "LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id")


def by_account_sql(src: Source) -> str:
    """Each payment under both its accounts, with the counterparty's holder (canonical id) beside it."""
    cols = ", ".join(_COLUMNS)
    return (f"SELECT b.*, h.entity_id AS counterparty_holder FROM (SELECT from_account AS account_key, 'out' AS "
            f"direction, to_account AS counterparty, {cols} FROM transactions UNION ALL SELECT to_account, 'in', "
            f"from_account, {cols} FROM transactions) b LEFT JOIN {src('holders')} h ON h.account_key = b.counterparty")


def holders_sql(src: Source) -> str:
    """Each account's holder (canonical id) and the holder's name."""
    return (f"SELECT h.account_key, h.entity_id, l.name FROM ({account_holders_sql()}) h "
            f"LEFT JOIN {src('labels')} l ON l.canonical_id = h.entity_id")


def labels_sql(_src: Source) -> str:
    """The canonical record's own name if it has one, else any member's (the smallest, for a stable answer)."""
    cid = "coalesce(c.canonical_id, s.entity_id)"
    return (f"SELECT {cid} AS canonical_id, coalesce(min(CASE WHEN s.entity_id = {cid} THEN s.value END), "
            "min(s.value)) AS name FROM statements s LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id "
            "WHERE s.prop = 'name' GROUP BY 1")


def account_totals_sql(src: Source) -> str:
    amount = "coalesce(amount_rc, amount)"
    return (f"SELECT account_key, round(sum(CASE WHEN direction = 'in' THEN {amount} END), 2) AS total_in, "
            f"round(sum(CASE WHEN direction = 'out' THEN {amount} END), 2) AS total_out, "
            "count(CASE WHEN direction = 'in' THEN 1 END) AS count_in, "
            f"count(CASE WHEN direction = 'out' THEN 1 END) AS count_out FROM {src('by_account')} t GROUP BY 1")


def search_terms_sql(_src: Source) -> str:
    """(kind, ref, term): ``ref`` is a canonical id for entity kinds, an account key for account kinds."""
    return (
        "SELECT DISTINCT kind, ref, term FROM ("
        "SELECT CASE WHEN s.prop IN (" + quoted(NAME_PROPS) + ") THEN 'name' ELSE 'ident' END AS kind, "
        "m.canonical_id AS ref, CASE WHEN s.prop IN (" + quoted(NAME_PROPS) + ") THEN lower(s.value) "
        "ELSE lower(replace(s.value, ' ', '')) END "
        f"AS term FROM statements s JOIN ({members_sql()}) m ON m.entity_id = s.entity_id "
        "WHERE s.prop IN (" + quoted(NAME_PROPS) + ", " + quoted(ID_PROPS) + ") "
        "UNION ALL SELECT 'id', m.canonical_id, lower(m.entity_id) FROM (" + members_sql() + ") m "
        "UNION ALL SELECT 'account', account_key, lower(account_key) FROM accounts "
        "UNION ALL SELECT 'iban', account_key, lower(replace(iban, ' ', '')) FROM accounts WHERE iban IS NOT NULL"
        ") x WHERE term IS NOT NULL")


def entity_facets_sql(_src: Source) -> str:
    """Country from country-like statements; schema, source, dataset (the source's kind) and grade from all."""
    grade = ("coalesce(s.reliability, src.reliability) || CAST(coalesce(s.credibility, src.credibility) "
             "AS VARCHAR)")
    values = {"schema": "s.schema", "country": f"CASE WHEN s.prop IN ({quoted(COUNTRY_PROPS)}) THEN lower(s.value) END",
              "source": "s.source_id", "dataset": "src.kind", "grade": grade}
    facts = (f"({members_sql()}) m JOIN statements s ON s.entity_id = m.entity_id "
             "LEFT JOIN sources src ON src.source_id = s.source_id")
    return "SELECT DISTINCT canonical_id, facet, value FROM (" + " UNION ALL ".join(
        f"SELECT m.canonical_id, '{facet}' AS facet, CAST({expr} AS VARCHAR) AS value FROM {facts}"
        for facet, expr in values.items()) + ") x WHERE value IS NOT NULL"


def entity_summary_sql(src: Source) -> str:
    """Per canonical id: schemas, countries, statements and sources (over every member's statements), names
    and aliases, accounts held and findings citing it or a member."""
    return (
        "WITH facts AS (SELECT m.canonical_id, s.schema, s.prop, s.value, s.source_id FROM "
        f"({members_sql()}) m JOIN statements s ON s.entity_id = m.entity_id), "
        "stats AS (SELECT canonical_id, list(DISTINCT schema) AS schemas, list(DISTINCT lower(value)) FILTER (WHERE "
        f"prop IN ({quoted(COUNTRY_PROPS)})) AS countries, list(DISTINCT value) FILTER (WHERE prop IN "
        f"({quoted(NAME_PROPS)})) AS aliases, count(*) AS statements, count(DISTINCT source_id) AS sources "
        "FROM facts GROUP BY 1), "
        f"held AS (SELECT entity_id, count(*) AS accounts FROM {src('holders')} h GROUP BY 1), "
        "cited AS (SELECT coalesce(c.canonical_id, r.ref_id) AS canonical_id, count(DISTINCT r.finding_id) "
        "AS findings FROM finding_refs r LEFT JOIN entity_canonical c ON c.entity_id = r.ref_id "
        "WHERE r.ref_kind = 'entity' GROUP BY 1) "
        "SELECT s.canonical_id, l.name, s.aliases, s.schemas, s.countries, s.statements, s.sources, "
        "coalesce(h.accounts, 0) AS accounts, coalesce(f.findings, 0) AS findings FROM stats s "
        f"LEFT JOIN {src('labels')} l ON l.canonical_id = s.canonical_id "
        "LEFT JOIN held h ON h.entity_id = s.canonical_id LEFT JOIN cited f ON f.canonical_id = s.canonical_id")


def finding_payments_sql(_src: Source) -> str:
    return ("SELECT r.finding_id, r.role, t.txn_id, t.ts, t.from_account, t.to_account, t.amount, t.currency, "
            "t.amount_rc, t.channel, t.source_id, t.reliability, t.credibility FROM finding_refs r "
            "JOIN transactions t ON t.txn_id = r.ref_id WHERE r.ref_kind = 'transaction'")


def finding_sources_sql(_src: Source) -> str:
    """(finding_id, source_id): the sources a finding cites, and those of the payments, events and statements
    it cites."""
    return ("SELECT DISTINCT finding_id, source_id FROM ("
            "SELECT r.finding_id, r.ref_id AS source_id FROM finding_refs r WHERE r.ref_kind = 'source' "
            "UNION ALL SELECT r.finding_id, t.source_id FROM finding_refs r JOIN transactions t ON t.txn_id = r.ref_id "
            "WHERE r.ref_kind = 'transaction' "
            "UNION ALL SELECT r.finding_id, ev.source_id FROM finding_refs r JOIN events ev ON ev.event_id = r.ref_id "
            "WHERE r.ref_kind = 'event' "
            "UNION ALL SELECT r.finding_id, st.source_id FROM finding_refs r JOIN statements st ON st.statement_id = "
            "r.ref_id WHERE r.ref_kind = 'statement') x WHERE source_id IS NOT NULL")


def statements_by_entity_sql(_src: Source) -> str:
    """Every statement with its source's title and the grade it carries (its own, else its source's)."""
    return ("SELECT st.entity_id, st.schema, st.prop, st.value, st.source_id, s.title AS source_title, "
            "coalesce(st.reliability, s.reliability) AS reliability, coalesce(st.credibility, s.credibility) "
            "AS credibility FROM statements st LEFT JOIN sources s ON s.source_id = st.source_id")


def cluster_pairs_sql(_src: Source) -> str:
    """Scored pairs whose two records resolved into one entity (why they merged), under its canonical id."""
    return ("SELECT coalesce(cl.canonical_id, p.left_id) AS canonical_id, p.left_id, p.right_id, p.left_name, "
            "p.right_name, p.probability, p.decision, p.explanation FROM resolve_pairs p "
            "LEFT JOIN entity_canonical cl ON cl.entity_id = p.left_id "
            "LEFT JOIN entity_canonical cr ON cr.entity_id = p.right_id "
            "WHERE coalesce(cl.canonical_id, p.left_id) = coalesce(cr.canonical_id, p.right_id)")


def finding_refs_sql(_src: Source) -> str:
    return "SELECT finding_id, ref_kind, ref_id, role FROM finding_refs"


@dataclass(frozen=True)
class Derived:
    name: str
    sql: Callable[[Source], str]
    order: str  # the sort that makes a page's look-up read few row groups


# In build order: a table may read those before it. The small ones first: each is used as soon as it is built,
# so search and names are fast within seconds of a first start while the payments are still being sorted.
DERIVED = (
    Derived("labels", labels_sql, "canonical_id"),
    Derived("holders", holders_sql, "account_key"),
    Derived("search_terms", search_terms_sql, "kind, term"),
    Derived("entity_facets", entity_facets_sql, "canonical_id, facet, value"),
    Derived("entity_summary", entity_summary_sql, "canonical_id"),
    Derived("statements_by_entity", statements_by_entity_sql, "entity_id, prop, value"),
    Derived("cluster_pairs", cluster_pairs_sql, "canonical_id"),
    Derived("refs_by_finding", finding_refs_sql, "finding_id, ref_kind, ref_id"),
    Derived("refs_by_target", finding_refs_sql, "ref_kind, ref_id"),
    Derived("finding_payments", finding_payments_sql, "finding_id, ts, txn_id"),
    Derived("finding_sources", finding_sources_sql, "finding_id, source_id"),
    Derived("by_account", by_account_sql, "account_key, ts"),
    Derived("account_totals", account_totals_sql, "account_key"),
)
_BY_NAME = {d.name: d for d in DERIVED}


def subquery(name: str) -> str:
    """The derived table computed from the case on the spot, as a FROM-clause subquery."""
    return f"({_BY_NAME[name].sql(subquery)})"


def source(case: Case, name: str) -> str:
    """A FROM-clause source for a derived table: the explorer index's table when this request's case has it
    ready, else the subquery computing it."""
    sources: dict[str, str] = getattr(case, "derived", {})
    return sources.get(name) or subquery(name)
