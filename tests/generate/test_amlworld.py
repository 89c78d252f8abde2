"""``--format amlworld``: the 11-column format, pattern files mixed into a background, truth by line."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest

from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.generate.amlworld import read_patterns
from tests.generate.conftest import read_text_csv

# Synthetic attempts in AMLworld's layout (fictional ids): a 3-hop cycle and a fan-in of 4.
PATTERNS = """BEGIN LAUNDERING ATTEMPT - CYCLE:  Max 3 hops
2022/09/01 00:19,0134266,814167590,0036925,810E343A0,13271.46,US Dollar,13271.46,US Dollar,ACH,1
2022/09/01 19:35,0036925,810E343A0,0119211,814AB4F60,12264.20,Euro,12264.20,Euro,ACH,1
2022/09/02 02:58,0119211,814AB4F60,0134266,814167590,11567.69,US Dollar,11567.69,US Dollar,ACH,1
END LAUNDERING ATTEMPT - CYCLE

BEGIN LAUNDERING ATTEMPT - FAN-IN:  Max 4-degree Fan-In
2022/09/03 00:25,0266915,81C3CD2E0,00,81A4AFE20,1155.44,Yuan,1155.44,Yuan,ACH,1
2022/09/03 03:18,0174634,81C5B2AB0,00,81A4AFE20,1104.69,Yuan,1104.69,Yuan,ACH,1
2022/09/04 05:28,029,81A4AF9E0,00,81A4AFE20,1392.03,Yuan,1392.03,Yuan,Cheque,1
2022/09/05 02:31,026,81A4B0100,00,81A4AFE20,118.14,Yuan,118.14,Yuan,ACH,1
END LAUNDERING ATTEMPT - FAN-IN
"""


@pytest.fixture
def patterns(tmp_path: Path) -> Path:
    path = tmp_path / "Tiny_Patterns.txt"
    path.write_text(PATTERNS, encoding="utf-8")
    return path


def test_mix_keeps_pattern_rows_verbatim_at_their_lines(tmp_path: Path, patterns: Path) -> None:
    truth = generate_case(tmp_path / "mix", GenerateConfig(transactions=5_000, fmt="amlworld",
                                                           mix_patterns=(patterns,)))
    lines = (tmp_path / "mix" / "transactions.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Timestamp,From Bank,Account,To Bank,Account,Amount Received")
    assert len(lines) - 1 == truth["transactions"] == 5_007
    pattern_lines = [line for line in PATTERNS.splitlines() if line[:4] == "2022"]
    assert [a["typology"] for a in truth["typologies"]] == ["cycle", "fan-in"]
    written = [lines[n - 1] for a in truth["typologies"] for n in a["lines"]]
    assert written == pattern_lines
    assert sum(line.endswith(",1") for line in lines[1:]) == 7


def test_mix_is_deterministic(tmp_path: Path, patterns: Path) -> None:
    for name in ("a", "b"):
        generate_case(tmp_path / name, GenerateConfig(transactions=2_000, fmt="amlworld", mix_patterns=(patterns,)))
    for name in ("transactions.csv", "accounts.csv", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_pattern_accounts_also_have_background_activity(tmp_path: Path, patterns: Path) -> None:
    generate_case(tmp_path / "mix", GenerateConfig(transactions=20_000, fmt="amlworld", mix_patterns=(patterns,)))
    t = read_text_csv(tmp_path / "mix" / "transactions.csv")
    background = t.filter(pc.equal(t["Is Laundering"], "0"))
    ends = set(background["Account"].to_pylist()) | set(background["Account.1"].to_pylist())
    pattern_accounts = {"814167590", "810E343A0", "814AB4F60", "81C3CD2E0", "81A4AFE20"}
    assert len(pattern_accounts & ends) >= 4
    days = sorted(set(pc.utf8_slice_codeunits(t["Timestamp"], 0, 10).to_pylist()))
    assert days[0] == "2022/09/01" and days[-1] == "2022/09/05", "background spans the patterns' dates"
    assert any(b.startswith("0") for b in background["From Bank"].to_pylist())
    assert all(len(a) == 9 for a in background["Account"].to_pylist()[:500])


def test_bad_pattern_lines_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "Bad_Patterns.txt"
    bad.write_text(PATTERNS.replace("13271.46,US Dollar,13271.46", "13271.46,Doubloon,13271.46"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"Bad_Patterns.txt:2: unknown currency 'Doubloon'"):
        read_patterns(bad)
    bad.write_text("2022/09/01 00:19,01,8,02,9,1.00,Euro,1.00,Euro,ACH,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":1: transaction outside a laundering attempt"):
        read_patterns(bad)


def test_full_case_in_amlworld_format(tmp_path: Path) -> None:
    truth = generate_case(tmp_path / "aml", GenerateConfig(transactions=5_000, fmt="amlworld"))
    t = read_text_csv(tmp_path / "aml" / "transactions.csv")
    assert t.num_rows == 5_000
    assert set(pc.unique(t["Receiving Currency"]).to_pylist()) <= {
        "US Dollar", "Euro", "UK Pound", "Yuan", "Yen", "Rupee", "Ruble", "Swiss Franc", "Saudi Riyal", "Shekel",
        "Australian Dollar", "Canadian Dollar", "Brazil Real", "Mexican Peso", "Bitcoin"}
    labelled = {n - 2 for a in truth["typologies"] for n in a["lines"]}
    flags = t["Is Laundering"].to_pylist()
    assert {flags[i] for i in labelled} == {"1"}


@pytest.mark.shared_data
def test_real_pattern_file_parses(shared_data: Path) -> None:
    attempts = read_patterns(shared_data / "amlworld" / "LI-Medium_Patterns.txt")
    assert len(attempts) == 456
    assert {a.typology for a in attempts} == {"fan-out", "fan-in", "gather-scatter", "scatter-gather", "cycle",
                                              "random", "bipartite", "stack"}


def test_mix_background_follows_the_patterns_days_so_every_temporal_part_holds_labels(tmp_path: Path) -> None:
    # Attempts crowd into the first days and thin out, as AMLworld's do; with an even background the last
    # fifth of the rows (a temporal split's test part) would hold about 3% of the labels instead of ~20%.
    per_day = [40, 40, 35, 25, 15, 8, 4, 2, 1, 1]
    lines = []
    for day, n in enumerate(per_day, start=1):
        for k in range(n):
            lines += ["BEGIN LAUNDERING ATTEMPT - FAN-IN:  Max 1-degree Fan-In",
                      f"2022/09/{day:02d} {k % 24:02d}:{k % 60:02d},0266915,81C3CD{day:02d}{k:03d},00,81A4AFE20,"
                      "1155.44,Yuan,1155.44,Yuan,ACH,1", "END LAUNDERING ATTEMPT - FAN-IN"]
    path = tmp_path / "Skewed_Patterns.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    generate_case(tmp_path / "mix", GenerateConfig(transactions=20_000, fmt="amlworld", mix_patterns=(path,)))
    t = read_text_csv(tmp_path / "mix" / "transactions.csv")
    order = pc.sort_indices(t, [("Timestamp", "ascending")])
    flags = [f == "1" for f in pc.take(t["Is Laundering"], order).to_pylist()]
    n, total = len(flags), sum(flags)
    parts = [flags[: round(0.6 * n)], flags[round(0.6 * n): round(0.8 * n)], flags[round(0.8 * n):]]
    shares = [sum(p) / total for p in parts]
    assert total == sum(per_day)
    assert shares[0] == pytest.approx(0.6, abs=0.08)
    assert shares[1] == pytest.approx(0.2, abs=0.06)
    assert shares[2] == pytest.approx(0.2, abs=0.06)
