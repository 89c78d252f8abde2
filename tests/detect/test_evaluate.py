from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from moneytrail.detect.evaluate import OVERALL, evaluate
from moneytrail.detect.truth import load_truth
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case
from moneytrail.store.findings import write_findings
from tests.casebuild import stamp_of

T0 = datetime(2022, 9, 1, 8, 0)
PATTERNS = """BEGIN LAUNDERING ATTEMPT - CYCLE:  Max 4 hops
2022/09/01 08:00,001,A1,002,B1,100.00,US Dollar,100.00,US Dollar,ACH,1
2022/09/01 09:00,002,B1,003,C1,99.00,US Dollar,99.00,US Dollar,ACH,1
2022/09/01 10:00,003,C1,004,D1,98.00,US Dollar,98.00,US Dollar,ACH,1
2022/09/01 11:00,004,D1,001,A1,97.00,US Dollar,97.00,US Dollar,ACH,1
END LAUNDERING ATTEMPT - CYCLE

BEGIN LAUNDERING ATTEMPT - FAN-IN:  Max 2-degree Fan-In
2022/09/01 12:00,005,E1,007,G1,50.00,US Dollar,50.00,US Dollar,ACH,1
2022/09/01 13:00,006,F1,007,G1,60.00,US Dollar,60.00,US Dollar,ACH,1
END LAUNDERING ATTEMPT - FAN-IN
"""


@pytest.fixture
def labelled_case(tmp_path: Path) -> Iterator[tuple[Case, Path]]:
    case = Case.in_memory()
    rows = [("t1", 0, "001:A1", "002:B1", 100.0), ("t2", 1, "002:B1", "003:C1", 99.0),
            ("t3", 2, "003:C1", "004:D1", 98.0), ("t4", 3, "004:D1", "001:A1", 97.0),
            ("t5", 4, "005:E1", "007:G1", 50.0), ("t6", 5, "006:F1", "007:G1", 60.0)]
    rows += [(f"t{i}", 10 + i, "009:X", "009:Y", 5.0 + i) for i in range(7, 11)]
    table = pa.table({"txn_id": [r[0] for r in rows], "ts": [T0 + timedelta(hours=r[1]) for r in rows],
                      "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                      "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows), "source_id": ["s"] * len(rows)})
    case.engine.register_arrow("_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _rows")
    path = tmp_path / "Tiny_Patterns.txt"
    path.write_text(PATTERNS, encoding="utf-8")

    def finding(typology: str, txns: list[str], accounts: list[str]) -> Finding:
        refs = [FindingRef("transaction", t) for t in txns] + [FindingRef("account", a) for a in accounts]
        return Finding(kind="typology", typology=typology, title=f"{typology} {txns}", explanation="x", score=0.5,
                       refs=refs)

    # Half of the cycle (plus one unlabelled row); one of the two fan-in rows, by another typology.
    write_findings(case, [finding("cycle", ["t1", "t2", "t9"], ["001:A1", "009:X"]),
                          finding("random", ["t6"], ["006:F1", "007:G1"])], stamp_of("labelled"))
    with case.engine.run():  # the truth a test loads lives as long as this run
        yield case, path


def test_attempts_found_by_any_and_by_same_typology(labelled_case: tuple[Case, Path]) -> None:
    case, path = labelled_case
    info = load_truth(case, path)
    assert info["attempts"] == 2 and info["matched_transactions"] == 6
    result = evaluate(case)
    a = result["attempts"]
    assert a["cycle"] == {"attempts": 1, "found_any": 1, "found_same": 1, "found_learned": 1, "found_learned_any": 1,
                          "recall_any": 1.0, "recall_same": 1.0, "recall_same_or_learned": 1.0,
                          "recall_same_or_learned_any": 1.0}
    assert a["fan-in"]["found_any"] == 1 and a["fan-in"]["found_same"] == 0
    assert a[OVERALL]["attempts"] == 2 and a[OVERALL]["found_same"] == 1


def _finding(typology: str, txns: list[str], kind: str = "typology") -> Finding:
    return Finding(kind=kind, typology=typology, title=f"{typology} {txns}", explanation="x", score=0.5,
                   refs=[FindingRef("transaction", t) for t in txns])


def test_a_weaker_variant_finds_an_attempt_of_its_typology_and_a_lookalike_name_does_not(
        labelled_case: tuple[Case, Path]) -> None:
    case, path = labelled_case
    # The fan-in attempt is t5, t6: fan-in-long covers both; "fan-in-other" is no variant of fan-in.
    write_findings(case, [_finding("fan-in-long", ["t5", "t6"])], stamp_of("variant"))
    write_findings(case, [_finding("fan-in-other", ["t5", "t6"])], stamp_of("lookalike"))
    load_truth(case, path)
    a = evaluate(case)["attempts"]
    assert a["fan-in"]["found_same"] == 1 and a[OVERALL]["found_same"] == 2


def test_learner_findings_count_for_an_attempt_only_when_they_predict_its_typology(
        labelled_case: tuple[Case, Path]) -> None:
    case, path = labelled_case
    # One learner finding per transaction: t5 alone is half of the fan-in attempt (t5, t6). Predicted a cycle,
    # or no typology at all, it finds the attempt only in the untyped count; predicted a fan-in, it finds it.
    write_findings(case, [_finding("cycle", ["t5"], kind="learn")], stamp_of("learned"))
    load_truth(case, path)
    a = evaluate(case)["attempts"]
    assert a["fan-in"]["found_same"] == 0 and a["fan-in"]["found_learned"] == 0
    assert a["fan-in"]["found_learned_any"] == 1 and a["fan-in"]["recall_same_or_learned_any"] == 1.0
    write_findings(case, [_finding("learned", ["t5"], kind="learn")], stamp_of("learned"))
    load_truth(case, path)
    assert evaluate(case)["attempts"]["fan-in"]["found_learned"] == 0
    write_findings(case, [_finding("fan-in", ["t5"], kind="learn")], stamp_of("learned"))
    load_truth(case, path)
    result = evaluate(case)
    a = result["attempts"]
    # A learner finding is never a rule finding of the typology, however much of the attempt it covers.
    assert a["fan-in"]["found_same"] == 0 and a["fan-in"]["found_learned"] == 1
    assert a["fan-in"]["recall_same_or_learned"] == 1.0
    # Its transactions are counted apart from the rules', with the share labelled with the typology it claims.
    tx = result["transactions"]["learned:fan-in"]
    assert tx["flagged"] == 1 and tx["precision"] == 1.0 and tx["precision_same"] == 1.0
    assert "fan-in" not in result["transactions"] or result["transactions"]["fan-in"]["flagged"] == 0


def test_transaction_metrics(labelled_case: tuple[Case, Path]) -> None:
    case, path = labelled_case
    load_truth(case, path)
    t = evaluate(case)["transactions"]
    overall = t[OVERALL]
    assert (overall["tp"], overall["predicted"], overall["actual"]) == (3, 4, 6)
    assert overall["precision"] == pytest.approx(0.75) and overall["recall"] == pytest.approx(0.5)
    assert overall["f1"] == pytest.approx(0.6)
    assert overall["findings_per_10k"] == pytest.approx(2000.0)
    assert t["cycle"]["recall"] == pytest.approx(0.5) and t["cycle"]["precision"] == pytest.approx(2 / 3)
    assert t["random"]["precision"] == pytest.approx(1.0) and t["random"]["labelled"] == 0


def test_less_than_half_is_not_found(labelled_case: tuple[Case, Path]) -> None:
    case, path = labelled_case
    # The same stamp as the fixture's findings: this result replaces theirs.
    write_findings(case, [Finding(kind="typology", typology="cycle", title="one hop", explanation="x", score=0.1,
                                  refs=[FindingRef("transaction", "t3")])], stamp_of("labelled"))
    load_truth(case, path)
    a = evaluate(case)["attempts"]
    assert a["cycle"]["found_any"] == 0 and a["fan-in"]["found_any"] == 0


def test_account_level_metrics_from_amlsim_labels(labelled_case: tuple[Case, Path], tmp_path: Path) -> None:
    case, _ = labelled_case
    folder = tmp_path / "amlsim"
    folder.mkdir()
    # AMLSim ids are bare; stored keys are bank-prefixed, matched on the part after the colon.
    (folder / "nodes.csv").write_text("nodeid,isFraud,init_balance,fraudStep\nA1,1,1.0,3\nG1,1,1.0,3\n"
                                      "X,0,1.0,-1\nB1,1,1.0,2\n", encoding="utf-8")
    info = load_truth(case, folder)
    assert info["labelled_accounts"] == 3 and info["matched_accounts"] == 3
    acc = evaluate(case)["accounts"]
    # Findings cite 001:A1, 009:X, 006:F1, 007:G1; labelled: A1, G1, B1.
    assert (acc[OVERALL]["tp"], acc[OVERALL]["predicted"], acc[OVERALL]["actual"]) == (2, 4, 3)
    assert acc["cycle"]["precision"] == pytest.approx(0.5)
