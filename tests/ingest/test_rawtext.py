"""Quarantined rows carry the text of their line as it stands in the file (issue 14: byte-faithful raw)."""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest import ingest_events, ingest_transactions
from moneytrail.ingest.event_mapping import EventMapping
from moneytrail.store import Case

NATIVE = "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"


def test_value_check_rejects_carry_their_line_text(tmp_path: Path) -> None:
    lines = [NATIVE,
             "k1,2021-03-04T05:00:07Z,B1,A1,B2,C1,12.5,USD,wire",
             'k2,2021-03-04T05:00:07Z,"B,1",A1,B2,C1,NaN,USD,"wi""re"',     # quoted delimiter and quote
             "k3,notadate,B1,A1,B2,C1,1,USD,wire",                             # bad date
             "k4,2021-03-04T05:00:07Z,B1,A1,B2,C1,1e400,USD,wire",             # infinite amount
             "k5,2021-03-04T05:00:07Z,B1,A1,B2,C1,-3,USD,wire",                # negative amount
             "k6,2021-03-04T05:00:07Z,B1,A1,B2,C1,1,USD",                      # too few fields (reader reject)
             'k7,2021-03-04T05:00:07Z,B1,A1,B2,C1,"1,5",USD,wire']             # decimal comma, quoted
    path = tmp_path / "t.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    with Case.create(tmp_path / "case") as case:
        result = ingest_transactions(case, path, preset="native")
        assert (result.rows_stored, result.rows_quarantined) == (1, 6) and result.reconciles
        got = dict(case.engine.rows("SELECT line, raw FROM quarantine ORDER BY line"))
        assert got == {n: lines[n - 1] for n in range(3, 9)}


def test_event_rejects_keep_their_own_delimiter_and_cp1252_letters(tmp_path: Path) -> None:
    lines = ["event_id_cnty;event_date;event_type;country;location;fatalities",
             "E1;2021-03-01;Battles;Côte d'Ivoire;Bouaké;1",
             "E2;2021-13-45;Battles;Côte d'Ivoire;Daloa;1",       # no such date
             'E3;2021-03-01;Battles;"Côte; d\'Ivoire";Abobo;NaN']  # fatalities not a number
    path = tmp_path / "e.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    with Case.create(tmp_path / "case") as case:
        result = ingest_events(case, path, mapping=EventMapping("acled", delimiter=";"))
        assert result.details["encoding"]["name"] in ("cp1252", "latin-1")
        assert (result.rows_stored, result.rows_quarantined) == (1, 2)
        assert case.engine.rows("SELECT line, raw FROM quarantine ORDER BY line") == [(3, lines[2]), (4, lines[3])]
