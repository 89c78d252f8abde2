"""Candidate pairs carry their names' ids through comparison (``compare_pairs(names_into=...)``): the
stored pairs must still hold the text of the best name pair, for records with several names too."""

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
