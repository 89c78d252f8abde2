from __future__ import annotations

import numpy as np

from moneytrail.resolve.comparisons import name_freq_sql
from moneytrail.resolve.model import COMPARISONS, DEFAULT_MODEL
from moneytrail.resolve.train import TrainParams, exact_u_sql, name_em
from moneytrail.store import Case


def test_birth_dates_as_the_only_evidence_are_trained_beside_the_names() -> None:
    """A case whose only evidence is a birth date: EM on names and dates together estimates the
    date's m (a match's dates agree), instead of keeping the starting model's hand-set m."""
    person, date = COMPARISONS.index("person_name"), COMPARISONS.index("birth_date")
    rows = []  # (name level, date level, count)
    rows += [(0, 0, 1400), (1, 0, 600), (0, -1, 700), (1, -1, 300)]  # matches: dates always agree
    rows += [(1, 4, 3800), (2, 4, 5800), (1, 0, 2), (2, 1, 30), (1, -1, 1600), (2, -1, 2400)]  # non-matches
    patterns = np.full((len(rows), len(COMPARISONS)), -1, np.int64)
    patterns[:, person] = [r[0] for r in rows]
    patterns[:, date] = [r[1] for r in rows]
    counts = np.array([r[2] for r in rows], float)
    u = {c.name: c.u for c in DEFAULT_MODEL.comparisons}
    u["birth_date"] = (6e-5, 0.0016, 0.017, 0.012, 0.96932)
    start = DEFAULT_MODEL.with_parameters({}, u, 0.2, {})
    m, _, share, _, post = name_em(patterns, counts, np.full(len(rows), np.nan), start, TrainParams(),
                                   also=(date,), also_on=patterns[:, person] <= 3)
    assert m["birth_date"][0] > 0.95  # the starting model's m for an equal date is 0.04
    assert abs(sum(m["birth_date"]) - 1.0) < 1e-9
    assert 0.15 < share < 0.25  # 3,000 matches among 16,632 candidates
    assert post[0] > 0.99 and post[4] < 0.01


def test_exact_u_from_the_counted_name_frequencies_is_the_u_counted_from_the_names() -> None:
    """resolve_case hands training the name frequencies prepare_names counted (comparisons.name_freq_sql);
    the exact-agreement u read from them equals the one counted from the names, records with two names of
    one key counting once."""
    names = [("a", "person", "ivan petrov", "ivan petrov", "ivan petrov", "ivan petrov"),
             ("a", "person", "Ivan Petrov", "ivan petrov", "ivan petrov", "ivan petrov"),
             ("b", "person", "Petrov Ivan", "petrov ivan", "ivan petrov", "ivan petrov"),
             ("c", "person", "Ivan Petrov", "ivan petrov", "ivan petrov", "ivan petrov"),
             ("d", "person", "Olga Sova", "olga sova", "olga sova", "olga sova"),
             ("e", "person", "Olga Sova", "olga sova", "olga sova", "olga sova"),
             ("f", "person", "Anna Lis", "anna lis", "anna lis", "anna lis")]
    with Case.in_memory() as case:
        engine = case.engine
        for entity in "abcdef":
            engine.execute("INSERT INTO resolve_records (entity_id, grp, run_id) VALUES (?, 'person', 'r')", [entity])
        for row in names:
            engine.execute("INSERT INTO resolve_names (entity_id, grp, name, norm, nkey, skey) "
                           "VALUES (?, ?, ?, ?, ?, ?)", list(row))
        for entity, date in (("a", "1970-01-01"), ("b", "1970-01-01"), ("d", "1980-02-02")):
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, 'birth_date', ?)",
                           [entity, date])
        tables = ("resolve_records", "resolve_names", "resolve_props")
        counted = dict(engine.rows(exact_u_sql(*tables)))
        with engine.run() as run:
            freq = run.materialise(name_freq_sql("resolve_names"), hint="freq").name
            given = dict(engine.rows(exact_u_sql(*tables, name_freq=freq)))
    # person names: a, b, c share a key (3 x 2 ordered pairs), d and e another (2) of 6 x 5; dates: a and b of 3 x 2
    assert given == counted
    assert abs(counted["person_name"] - 8 / 30) < 1e-12 and abs(counted["birth_date"] - 2 / 6) < 1e-12


def test_exact_u_counts_each_value_and_each_record_with_values_once() -> None:
    """exact_u_sql counts a value's records and each comparison's records with a value (resolve_props holds
    each record's value once): identifiers of two classes are one comparison, a record with two of them
    is one record with an identifier, and each value's frequency is its records' count."""
    records = "abcdef"
    props = [("a", "passport", "P1"), ("b", "passport", "P1"), ("c", "passport", "P1"), ("a", "iban", "I1"),
             ("d", "iban", "I1"), ("e", "iban", "I2"), ("b", "birth_date", "1970-01-01"),
             ("c", "birth_date", "1970-01-01"), ("f", "birth_date", "1980-02-02")]
    with Case.in_memory() as case:
        engine = case.engine
        for entity in records:
            engine.execute("INSERT INTO resolve_records (entity_id, grp, run_id) VALUES (?, 'person', 'r')", [entity])
            engine.execute("INSERT INTO resolve_names (entity_id, grp, name, norm, nkey, skey) "
                           "VALUES (?, 'person', ?, ?, ?, ?)", [entity, *[f"name {entity}"] * 4])
        for row in props:
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, ?, ?)", list(row))
        u = dict(engine.rows(exact_u_sql("resolve_records", "resolve_names", "resolve_props")))
    # identifiers: P1 on 3 records (3 x 2), I1 on 2 (2 x 1), I2 on 1, of the 5 records with one (a to e): 8 / 20
    assert abs(u["identifier"] - 8 / 20) < 1e-12
    assert abs(u["birth_date"] - 2 / 6) < 1e-12  # 1970-01-01 on 2 of 3 records with a date
    assert u["person_name"] == 0.0  # every name its own
