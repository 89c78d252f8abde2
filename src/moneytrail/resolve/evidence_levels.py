"""Evidence levels of candidate pairs: identifiers, birth dates, countries and addresses, in SQL.

Per pair and evidence comparison, the best level over every pair of the two records' values of a
class (``resolve.comparisons`` puts them beside the name level). Identifier levels read the checksum
status (``resolve.identifiers``): equal values that fail their checksum, and different values of
which one fails it, are separate, weaker levels.
"""

from __future__ import annotations

from collections.abc import Callable

from moneytrail.engine import Engine
from moneytrail.resolve.features import IDENTIFIER_CLASSES

EVIDENCE = ("identifier", "birth_date", "country", "address", "address_number")
# Addresses whose words are mostly shared (one word misspelt or missing, the order changed) are
# "nearly equal" whatever their edit distance: a share of the longer address's words (of the shorter,
# an address without its street, "13 young 2077", would nearly equal every address at number 13 there).
ADDRESS_OVERLAP = 0.7
# Below that, graded by the share of words in common: half (the town agrees, the street was
# replaced or misspelt beyond repair), some (a town or region), none: two addresses with no word in
# common are evidence against a match, where one shared word is weak evidence. The address's numbers
# (house, flat, postcode) are a comparison of their own (``features.normalise_props``): two
# addresses whose words agree but whose numbers all differ are other places in one street or town.
ADDRESS_HALF = 0.4
# An identifier one or two characters off is read as a typo only when evidence beyond names agrees
# (a birth date at most two digits off, an address sharing at least half its words): sequentially
# issued numbers (accounts, passports, registrations) differ by one character between strangers.
# Uncorroborated, it falls into a level of its own (4), and the levels below move down one.
UNCORROBORATED_NEAR_ID = 4


def identifier_level_sql(identifier: str, birth_date: str, address: str, address_number: str) -> str:
    """The identifier level after the corroboration rule above, from the raw evidence levels."""
    return (f"CASE WHEN {identifier} IN (2, 3) AND NOT (coalesce({birth_date}, 9) <= 2 "
            f"OR coalesce({address}, 9) <= 2 OR coalesce({address_number}, 9) = 0) THEN {UNCORROBORATED_NEAR_ID} "
            f"WHEN {identifier} >= {UNCORROBORATED_NEAR_ID} THEN {identifier} + 1 ELSE {identifier} END")


def several_values_sql(pairs: str, named: tuple[str, str], unnamed: tuple[str, str]) -> str:
    """The candidate pairs with a record of several evidence values (``named``: ``comparisons.named_sql``'s
    relations, with ``nt``) or of no name (``unnamed``): the pairs ``single_value_levels_sql`` does not
    level, by a semi-join on those records' ids (few)."""
    records = [f"SELECT entity_id FROM {n} WHERE nt > 1 UNION ALL SELECT entity_id FROM {u}"
               for n, u in zip(named, unnamed, strict=True)]
    return f"SELECT * FROM {pairs} WHERE left_id IN ({records[0]}) OR right_id IN ({records[1]})"


def left_evidence_sql(pairs: str, left_props: str) -> str:
    """Step one of the evidence join: each pair with its left record's values. Materialised on its
    own so the planner cannot pair all left and right values of a class first (a cross product)."""
    return f"""
        SELECT c.left_id, c.right_id, a.prop_class, a.value, a.checksum
        FROM {pairs} c JOIN {left_props} a ON a.entity_id = c.left_id"""


def _comparison_sql(cls: str, ids: str) -> str:
    return (f"CASE WHEN {cls} IN ({ids}) THEN 'identifier' "
            f"WHEN {cls} IN ('birth_date', 'country', 'address_number') THEN {cls} ELSE 'address' END")


def _level_sql(ids: str, comparison: str | None = None) -> str:
    """The level of a value class ``cls`` from the terms of ``_value_pair_terms`` (as columns); ``comparison``:
    a column holding the class's comparison (``_comparison_sql``), tested in place of the class."""
    near_address = "greatest(3, greatest(length(lv), length(rv)) / 3)"
    is_id, cls = (f"{comparison} = 'identifier'", comparison) if comparison else (f"cls IN ({ids})", "cls")
    return f"""CASE
        WHEN {is_id} THEN CASE WHEN same_checked = 1 THEN 0 WHEN same = 1 THEN 1
            WHEN min_edit <= 1 AND length(lv) >= 5 THEN 2 WHEN min_edit <= 2 AND length(lv) >= 5 THEN 3
            WHEN any_invalid = 1 THEN 4 ELSE 5 END
        WHEN {cls} = 'birth_date' THEN CASE WHEN same = 1 THEN 0 WHEN min_edit <= 1 THEN 1 WHEN min_edit <= 2 THEN 2
            WHEN same_prefix = 1 THEN 3 ELSE 4 END
        WHEN {cls} = 'country' THEN CASE WHEN same = 1 THEN 0 ELSE 1 END
        WHEN {cls} = 'address_number' THEN CASE WHEN same = 1 THEN 0 WHEN min_edit <= 1 THEN 1
            WHEN overlap > 0 THEN 2 ELSE 3 END
        ELSE CASE WHEN same = 1 THEN 0 WHEN min_edit <= {near_address} OR overlap >= {ADDRESS_OVERLAP} THEN 1
            WHEN overlap >= {ADDRESS_HALF} THEN 2 WHEN overlap > 0 THEN 3 ELSE 4 END END"""


def _value_pair_terms(ids: str, left: tuple[str, str] = ("a.value", "a.checksum"),
                      right: tuple[str, str] = ("b.value", "b.checksum"), cls: str = "a.prop_class") -> dict[str, str]:
    """What a level reads of one pair of values (a of the left record, b of the right), by name; over
    several pairs of one class, the best of each (max, min_edit: min). ``left``, ``right``: the (value,
    checksum) columns; ``cls``: the values' class."""
    (a, a_check), (b, b_check) = left, right
    words = f"array_length(array_intersect(str_split({a}, ' '), str_split({b}, ' '))) " \
            f"/ greatest(array_length(str_split({a}, ' ')), array_length(str_split({b}, ' ')))"
    return {"same": f"CASE WHEN {a} = {b} THEN 1 ELSE 0 END",
            "same_checked": f"CASE WHEN {a} = {b} AND coalesce({a_check}, '') <> 'invalid' THEN 1 ELSE 0 END",
            "any_invalid": f"CASE WHEN {a_check} = 'invalid' OR {b_check} = 'invalid' THEN 1 ELSE 0 END",
            "same_prefix": f"CASE WHEN substr({a}, 1, 4) = substr({b}, 1, 4) THEN 1 ELSE 0 END",
            # equal values are 0 apart: no edit distance computed for them
            "min_edit": f"CASE WHEN {a} = {b} THEN 0 ELSE levenshtein({a}, {b}) END",
            "overlap": f"CASE WHEN {cls} IN ('address', 'address_number') THEN {words} END",
            # the values' lengths count for identifiers and addresses only
            "lv": f"CASE WHEN {cls} IN ({ids}, 'address') THEN {a} END",
            "rv": f"CASE WHEN {cls} = 'address' THEN {b} END"}


def _identifier_classes_sql() -> str:
    return ", ".join(f"'{c}'" for c in sorted(set(IDENTIFIER_CLASSES.values())))


def single_value_levels_sql(pairs: str) -> str:
    """``pairs`` with a level per evidence comparison, ev_identifier ... ev_address_number, of the one pair
    of values its columns hold: ev_class (the class of both records' one value; null otherwise), ev_left,
    ev_right and their checksums ev_left_checksum, ev_right_checksum (``comparisons.record_counts_sql``). The level is
    the one ``evidence_levels_sql`` gives such a pair; the other comparisons' columns are null."""
    ids = _identifier_classes_sql()
    terms = _value_pair_terms(ids, ("p.ev_left", "p.ev_left_checksum"), ("p.ev_right", "p.ev_right_checksum"),
                              "p.ev_class")
    level = _level_sql(ids, "ev_comparison")
    compared = f"CASE WHEN ev_class IS NOT NULL THEN {_comparison_sql('ev_class', ids)} END"
    return f"""
        SELECT t.*, {", ".join(f"CASE WHEN ev_comparison = '{c}' THEN {level} END AS ev_{c}" for c in EVIDENCE)}
        FROM (SELECT p.*, {", ".join(f"{expr} AS {name}" for name, expr in terms.items())}
              FROM (SELECT q.*, {compared} AS ev_comparison FROM {pairs} q) p) t"""


def evidence_levels_sql(left_evidence: str, right_props: str, *, explain: bool = True) -> str:
    """Per pair and evidence comparison: the best level over its classes, with the values it rests on.
    ``explain=False``: one row per pair with the best level of each comparison in a column of its
    name, no values (they are compared again when an explanation is asked for), grouped per class and
    per pair: for the pairs of which a record has several values (a pair of records with one value
    each is leveled beside its names, ``single_value_levels_sql``)."""
    ids = _identifier_classes_sql()
    level = _level_sql(ids)
    comparison = _comparison_sql("cls", ids)
    joined = f"{left_evidence} a JOIN {right_props} b ON b.entity_id = a.right_id AND b.prop_class = a.prop_class"
    if not explain:
        best = ", ".join(f"{'min' if name in ('min_edit', 'lv', 'rv') else 'max'}({expr}) AS {name}"
                         for name, expr in _value_pair_terms(ids).items())
        grouped = ", ".join(f"min(CASE WHEN comparison = '{c}' THEN level END) AS {c}" for c in EVIDENCE)
        return f"""
        SELECT left_id, right_id, {grouped}
        FROM (SELECT left_id, right_id, {comparison} AS comparison, {level} AS level
              FROM (SELECT a.left_id, a.right_id, a.prop_class AS cls, {best} FROM {joined}
                    GROUP BY a.left_id, a.right_id, a.prop_class) g) e
        GROUP BY left_id, right_id"""
    # the values themselves are shown: the shared one where there is one, else the least of each side
    shown = {"shared": "max(CASE WHEN a.value = b.value THEN a.value END)", "lv": "min(a.value)", "rv": "min(b.value)"}
    best = ", ".join(f"{'min' if name == 'min_edit' else 'max'}({expr}) AS {name}"
                     for name, expr in _value_pair_terms(ids).items() if name not in ("lv", "rv"))
    grouped = f"""
                    SELECT a.left_id, a.right_id, a.prop_class AS cls, {best},
                           {", ".join(f"{expr} AS {name}" for name, expr in shown.items())}
                    FROM {joined}
                    GROUP BY a.left_id, a.right_id, a.prop_class"""
    return f"""
        SELECT left_id, right_id, comparison, level, cls, lv, rv FROM (
            SELECT *, row_number() OVER (PARTITION BY left_id, right_id, comparison ORDER BY level, cls) AS rn
            FROM (
                SELECT left_id, right_id, cls, {comparison} AS comparison, {level} AS level,
                       coalesce(shared, lv) AS lv, coalesce(shared, rv) AS rv
                FROM ({grouped}) g
            ) e
        ) r WHERE rn = 1"""


def compare_evidence(engine: Engine, pairs: str, left_props: str, right_props: str, into: str,
                     scratch: Callable[[str], str]) -> str:
    """Evidence levels only (no names; name columns null), for the random pairs of training."""
    left_ev, evidence = scratch("u_left_evidence"), scratch("u_evidence")
    engine.create_scratch(left_ev, left_evidence_sql(pairs, left_props))
    engine.create_scratch(evidence, evidence_levels_sql(left_ev, right_props))
    pivot = ", ".join(f"max(CASE WHEN comparison = '{c}' THEN level END) AS {c}" for c in EVIDENCE)
    cols = ", ".join(identifier_level_sql("e.identifier", "e.birth_date", "e.address", "e.address_number")
                     + " AS identifier"
                     if c == "identifier" else "e." + c for c in EVIDENCE)
    engine.create_scratch(into, f"SELECT p.left_id, p.right_id, CAST(NULL AS INTEGER) AS person_name, "
                   f"CAST(NULL AS INTEGER) AS org_name, {cols} FROM {pairs} p "
                   f"LEFT JOIN (SELECT left_id, right_id, {pivot} FROM {evidence} GROUP BY left_id, right_id) e "
                   "ON e.left_id = p.left_id AND e.right_id = p.right_id")
    for name in (left_ev, evidence):
        engine.drop_scratch(name)
    return into
