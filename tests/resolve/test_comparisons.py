"""Candidate pairs carry their names' ids through comparison (``compare_pairs(names_into=...)``): the
stored pairs must still hold the text of the best name pair, for records with several names too."""

from moneytrail.resolve.comparisons import EVIDENCE, compare_pairs, record_counts_sql
from moneytrail.resolve.model import NEAR_IDENTICAL_LEVEL
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from tests.resolve.conftest import add_statements


def test_records_with_several_names_store_their_best_name_pair() -> None:
    rows = [
        ("a-1", "Person", "name", "Oleh Dmytrenko", "bank"),
        ("a-1", "Person", "alias", "Kvitka Zavodska", "bank"),
        ("a-1", "Person", "birthDate", "1980-04-12", "bank"),
        ("b-1", "Person", "name", "Ярема Бондар", "registry"),
        ("b-1", "Person", "alias", "Дмитренко Олег", "registry"),
        ("b-1", "Person", "birthDate", "1980-04-12", "registry"),
    ]
    with Case.in_memory() as case:
        case.migrate()
        add_statements(case, rows)
        resolve_case(case)
        stored = {(str(a), str(b)): (l_name, r_name, level) for a, b, l_name, r_name, level in case.engine.rows(
            "SELECT left_id, right_id, left_name, right_name, person_name FROM resolve_pairs")}
    assert stored[("a-1", "b-1")][:2] == ("Oleh Dmytrenko", "Дмитренко Олег")
    # the same name transliterated (oleh / oleg): near-identical or better
    assert stored[("a-1", "b-1")][2] <= NEAR_IDENTICAL_LEVEL


def test_pairs_of_one_value_each_are_leveled_as_the_grouped_evidence_levels_them() -> None:
    """explain=False levels a pair of records with one evidence value each beside its names
    (``single_value_levels_sql``); explain=True groups every pair's values (``evidence_levels_sql``).
    Both must give each pair the same evidence levels, for every class and for records of several values."""
    values = [("idNumber", "AB1234567"), ("idNumber", "AB1234567"), ("idNumber", "AB1234568"),
              ("idNumber", "XY9999999"), ("iban", "GB82WEST12345698765432"), ("iban", "GB82WEST12345698765433"),
              ("birthDate", "1980-04-12"), ("birthDate", "1980-04-13"), ("birthDate", "1981-05-02"),
              ("birthDate", "1980-04-12"), ("nationality", "ua"), ("nationality", "ru"), ("nationality", "ua"),
              ("address", "Shevchenka street Kyiv"), ("address", "Shevchenka str Kyiv"), ("address", "Lviv oblast"),
              ("address", "12 Shevchenka street Kyiv")]
    rows = [(f"p-{i}", "Person", "name", "Oleh Dmytrenko", "bank") for i in range(len(values) + 2)]
    rows += [(f"p-{i}", "Person", prop, value, "bank") for i, (prop, value) in enumerate(values)]
    several = len(values)  # a record of several values, and one of none
    rows += [(f"p-{several}", "Person", "birthDate", "1980-04-12", "bank"),
             (f"p-{several}", "Person", "idNumber", "AB1234567", "bank")]
    with Case.in_memory() as case:
        case.migrate()
        add_statements(case, rows)
        resolve_case(case)
        engine = case.engine
        tables = ("resolve_names", "resolve_props")
        with engine.run() as run:
            cand = run.materialise("SELECT a.entity_id AS left_id, b.entity_id AS right_id, 'person' AS grp, "
                                   "CAST(1 AS BIGINT) AS key_freq, CAST(NULL AS BIGINT) AS name_key_freq "
                                   "FROM resolve_records a JOIN resolve_records b ON a.entity_id < b.entity_id")
            levels = {}
            for explain in (True, False):
                into = compare_pairs(engine, cand.name, tables, tables, engine.scratch_name("levels"),
                                     engine.scratch_name, explain=explain)
                levels[explain] = {(str(r[0]), str(r[1])): tuple(r[2:]) for r in engine.rows(
                    f"SELECT left_id, right_id, {', '.join(EVIDENCE)} FROM {into}")}
                engine.drop_scratch(into)
    records = len(values) + 2
    assert len(levels[False]) == records * (records - 1) // 2 and levels[False] == levels[True]
    by_comparison = [{lv[k] for lv in levels[False].values()} - {None} for k in range(len(EVIDENCE))]
    assert all(len(seen) >= 2 for seen in by_comparison[:4]), by_comparison  # several levels of each compared


def test_one_grouping_of_names_and_values_counts_each_records_names_and_its_one_value() -> None:
    """named_sql reads each record's names and evidence values from one grouping of both (record_counts_sql):
    the same as counting the names per record and joining a grouping of the values per record (nt 0, no value, without
    one), for records of several names, several values, no value, and a value without a checksum."""
    names = [("a", "Oleh Dmytrenko"), ("a", "Олег Дмитренко"), ("b", "Kvitka Zavodska"), ("c", "Ярема Бондар"),
             ("d", "Anna Lis")]
    props = [("a", "birth_date", "1980-04-12", None), ("b", "birth_date", "1981-05-02", None),
             ("b", "identifier", "AB1234567", "valid"), ("c", "identifier", "XY9999999", "invalid"),
             ("e", "birth_date", "1970-01-01", None)]  # e: evidence but no name
    with Case.in_memory() as case:
        case.migrate()
        engine = case.engine
        for entity, name in names:
            engine.execute("INSERT INTO resolve_names VALUES (?, 'person', ?, ?, ?, ?)", [entity, *[name] * 4])
        for row in props:
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value, checksum) VALUES (?, ?, ?, ?)",
                           list(row))
        columns = "k.entity_id, k.names, k.nt, k.ev_class, k.ev_value, k.ev_checksum"
        one = engine.rows(f"SELECT {columns} FROM ({record_counts_sql('resolve_names', 'resolve_props')}) k "
                          "WHERE k.entity_id IN (SELECT entity_id FROM resolve_names) ORDER BY 1")
        apart = engine.rows(
            "SELECT k.entity_id, k.names, coalesce(v.nt, 0), v.ev_class, v.ev_value, v.ev_checksum "
            "FROM (SELECT entity_id, count(*) AS names FROM resolve_names GROUP BY entity_id) k "
            "LEFT JOIN (SELECT entity_id, count(*) AS nt, min(prop_class) AS ev_class, min(value) AS ev_value, "
            "min(checksum) AS ev_checksum FROM resolve_props GROUP BY entity_id) v ON v.entity_id = k.entity_id "
            "ORDER BY 1")
    assert one == apart
    assert [r[1:3] for r in one] == [(2, 1), (1, 2), (1, 1), (1, 0)]
    assert one[0][3:] == ("birth_date", "1980-04-12", None) and one[3][3:] == (None, None, None)
