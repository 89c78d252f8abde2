"""A German-style bank export (written here, fictional parties): ``;`` delimiter, decimal commas with
thousands dots, ``DD.MM.YYYY``, a Soll/Haben column, a purpose text, cp1252 bytes; 3 bad rows of 50."""

from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.ingest import IngestError, ingest_transactions
from moneytrail.ingest.mapping import load_mapping
from moneytrail.store import Case
from moneytrail.web.search import SearchQuery, search

OWN = "DE89370400440532013000"
HEADER = "Buchungstag;Valuta;Empfänger/Auftraggeber;IBAN;Verwendungszweck;Soll/Haben;Betrag;Währung"
MAPPING = f"""
delimiter = ";"
decimal = ","
thousands = "."
timestamp_formats = ["%d.%m.%Y", "%d.%m.%Y %H:%M"]
timezone = "Europe/Berlin"
default_currency = "EUR"
positional_ids = true

[statement]
account = "{OWN}"

[direction]
column = "Soll/Haben"
debit = ["S"]
credit = ["H"]

[counterparts]
columns = ["Verwendungszweck"]
[counterparts.kinds]
cash = ["Bargeldauszahlung"]
fees = ["Kontoführungsentgelt"]

[columns]
timestamp = ["buchungstag", "Booking date"]
amount = "BETRAG"
counterparty = ["Counterparty IBAN", "iban"]
memo = "Verwendungszweck"
currency = "Währung"
"""


def bank_rows() -> tuple[list[str], dict[int, str]]:
    """50 rows; lines 12, 30 and 45 are bad (date, amount, direction). Returns (lines, {line: reason})."""
    rows = [HEADER]
    bad = {12: "unparseable timestamp", 30: "unparseable amount", 45: "unknown direction"}
    for i in range(50):
        line = i + 2
        day, month = i % 28 + 1, i % 12 + 1
        amount = f"{(i + 1) * 1234 // 7:,}".replace(",", ".") + f",{i % 100:02d}"
        iban = f"DE{10 + i:02d}5001051712345678{i:02d}"
        purpose = f"Rechnung {1000 + i} Bürobedarf Müller GmbH"
        sh = "S" if i % 3 else "H"
        date = f"{day:02d}.{month:02d}.2021"
        if i == 7:
            iban, purpose = "", "Bargeldauszahlung Automat 4711"
        if i == 8:
            iban, purpose, sh = "", "Kontoführungsentgelt 03/2021", "S"
        if i == 20:
            purpose = "Miete Büro – 850 € netto"  # en dash and euro sign: bytes only cp1252 has
        if line == 12:
            date = "31.02.2021x"
        if line == 30:
            amount = "12,34,56"
        if line == 45:
            sh = "X"
        rows.append(f"{date};{date};Lieferant {i};{iban};{purpose};{sh};{amount};EUR")
    return rows, bad


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path, dict[int, str]]:
    rows, bad = bank_rows()
    data = tmp_path / "umsaetze.csv"
    data.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    mapping = tmp_path / "bank.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping, bad


def test_bank_export_47_stored_3_quarantined_with_line_and_reason(case: Case, export: tuple[Path, Path, dict[int, str]]
                                                                   ) -> None:
    data, mapping, bad = export
    result = ingest_transactions(case, data, mapping=mapping)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (50, 47, 3)
    assert result.details["encoding"]["name"] == "cp1252"
    quarantined = dict(case.engine.rows("SELECT line, reason FROM quarantine ORDER BY line"))
    assert sorted(quarantined) == sorted(bad)
    for line, reason in bad.items():
        assert quarantined[line].startswith(reason), quarantined[line]
    files = {r[0] for r in case.engine.rows("SELECT file FROM quarantine")}
    assert files == {str(data)}  # the file as given, not its UTF-8 copy
    # Line 2 (i = 0): credit ("H") of 176,00 EUR on 01.01.2021 00:00 Berlin = 2020-12-31 23:00 UTC.
    row = case.engine.rows("SELECT from_account, to_account, amount, currency, CAST(ts AS VARCHAR), memo "
                           "FROM transactions WHERE origin_line = 2")[0]
    assert row == (":DE10500105171234567800", f":{OWN}", 176.0, "EUR", "2020-12-31 23:00:00",
                   "Rechnung 1000 Bürobedarf Müller GmbH")
    # Line 3 (i = 1): debit ("S") 352,01: money leaves the own account.
    row = case.engine.rows("SELECT from_account, to_account, amount FROM transactions WHERE origin_line = 3")[0]
    assert row == (f":{OWN}", ":DE11500105171234567801", 352.01)
    # Thousands dots: i = 49 -> 50 * 1234 // 7 = 8.814 -> 8814,49
    assert case.engine.scalar("SELECT amount FROM transactions WHERE origin_line = 51") == 8814.49
    # Cash and fee legs without counterparty go to named counterpart nodes of the own account.
    legs = dict(case.engine.rows("SELECT origin_line, to_account FROM transactions WHERE origin_line IN (9, 10)"))
    assert legs == {9: f":{OWN}#cash", 10: f":{OWN}#fees"}


def test_purpose_text_is_searchable(case: Case, export: tuple[Path, Path, dict[int, str]]) -> None:
    data, mapping, _ = export
    ingest_transactions(case, data, mapping=mapping)
    hits = search(case, SearchQuery(q="rechnung 1003 bürobedarf"))["transactions"]
    assert [h["memo"] for h in hits] == ["Rechnung 1003 Bürobedarf Müller GmbH"]


def test_failed_then_fixed_retry_in_the_same_case(case: Case, export: tuple[Path, Path, dict[int, str]],
                                                   tmp_path: Path) -> None:
    data, mapping, _ = export
    naive = tmp_path / "naive.toml"
    naive.write_text(MAPPING.replace('decimal = ","\nthousands = "."\n', ""), encoding="utf-8")
    dry = ingest_transactions(case, data, mapping=naive, dry_run=True)
    assert case.count("transactions") == 0 and case.count("ingest_log") == 0 and case.count("quarantine") == 0
    report = dry.details["dry_run"]
    assert report["quarantine_reasons"]["unparseable amount"]["count"] >= 40
    assert any("decimal commas: try decimal = ','" in h for h in report["hints"])
    first = ingest_transactions(case, data, mapping=naive)
    assert first.rows_quarantined >= 40
    fixed = ingest_transactions(case, data, mapping=mapping)  # same content, corrected mapping: read again
    assert not fixed.skipped and fixed.rows_stored == 47
    again = ingest_transactions(case, data, mapping=mapping)
    assert again.skipped


def test_mapping_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text(MAPPING.replace('debit = ["S"]', ""), encoding="utf-8")
    with pytest.raises(IngestError, match="debit and credit values"):
        load_mapping(bad)
    bad.write_text(MAPPING.replace('[statement]\naccount = "' + OWN + '"', ""), encoding="utf-8")
    with pytest.raises(IngestError, match="single-account statement"):
        load_mapping(bad)


def test_other_quote_character_and_signed_amounts(case: Case, tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_text("Date|Amount|Counterparty|Memo\n"
                    "2021-03-04|-12.50|GB82WEST12345698765432|'rent | March'\n"
                    "2021-03-05|100.00||'salary, bonus'\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('delimiter = "|"\nquote = "\'"\npositional_ids = true\n[statement]\naccount = "ME"\n'
                       '[columns]\ntimestamp = "date"\namount = "amount"\ncounterparty = "counterparty"\n'
                       'memo = "memo"\n', encoding="utf-8")
    result = ingest_transactions(case, data, mapping=mapping)
    assert (result.rows_stored, result.rows_quarantined) == (2, 0)
    rows = case.engine.rows("SELECT from_account, to_account, amount, memo FROM transactions ORDER BY origin_line")
    assert [tuple(r) for r in rows] == [(":ME", ":GB82WEST12345698765432", 12.5, "rent | March"),
                                         (":ME#other", ":ME", 100.0, "salary, bonus")]


def test_cli_dry_run_shows_encoding_rows_reasons_and_a_hint(tmp_path: Path,
                                                           export: tuple[Path, Path, dict[int, str]]) -> None:
    from typer.testing import CliRunner

    from moneytrail.cli.app import build_app

    data, mapping, _ = export
    naive = tmp_path / "naive.toml"
    naive.write_text(MAPPING.replace('decimal = ","\nthousands = "."\n', ""), encoding="utf-8")
    app, runner = build_app(), CliRunner()
    case = tmp_path / "case"
    assert runner.invoke(app, ["init", str(case)]).exit_code == 0
    out = runner.invoke(app, ["ingest", "transactions", str(case), str(data), "--mapping", str(naive), "--dry-run"],
                        terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "nothing stored" in out.output and "encoding: cp1252" in out.output
    assert "unparseable amount" in out.output and "hint: amounts look like decimal commas" in out.output
    good = runner.invoke(app, ["ingest", "transactions", str(case), str(data), "--mapping", str(mapping), "--dry-run"],
                         terminal_width=200)
    assert "first parsed rows" in good.output and "352.01" in good.output and "Müller" in good.output
    with Case.open(case) as c:
        assert c.count("transactions") == 0 and c.count("ingest_log") == 0


def test_memos_are_read_for_mentions_of_known_entities(case: Case, tmp_path: Path,
                                                       export: tuple[Path, Path, dict[int, str]]) -> None:
    from moneytrail.ingest import ingest_entities

    registry = tmp_path / "registry.jsonl"
    registry.write_text('{"id": "co-mueller", "schema": "Company", "properties": {"name": ["Müller GmbH"]}}\n'
                        '{"id": "co-other", "schema": "Company", "properties": {"name": ["Nowhere Holdings"]}}\n',
                        encoding="utf-8")
    ingest_entities(case, registry)
    data, mapping, _ = export
    result = ingest_transactions(case, data, mapping=mapping)
    # every stored row's purpose names "Bürobedarf Müller GmbH" except the cash, fee and rent rows
    assert result.details["memo_mentions"] == 47 - 3
    assert case.engine.rows("SELECT DISTINCT entity_id, name FROM memo_mentions") == [("co-mueller", "Müller GmbH")]


def test_bank_statement_preset_reads_a_typical_export_as_is(case: Case, tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_bytes(("AUFTRAGSKONTO;Buchungstag;Valutadatum;Buchungstext;Verwendungszweck;IBAN;BIC;Betrag;Waehrung;S/H\n"
                      "DE89370400440532013000;04.03.2021;04.03.2021;Überweisung;Miete März;"
                      "GB82WEST12345698765432;WESTGB22;1.250,00;EUR;S\n"
                      "DE89370400440532013000;05.03.21;05.03.2021;Entgelt;Kontoführung;;;4,90;EUR;S\n"
                      "DE89370400440532013000;06.03.2021;06.03.2021;Zinsen;Habenzinsen;;;0,12;EUR;H\n"
                      ).encode("cp1252"))
    result = ingest_transactions(case, data, preset="bank-statement")
    assert (result.rows_stored, result.rows_quarantined) == (3, 0)
    own = ":DE89370400440532013000"
    rows = case.engine.rows("SELECT from_account, to_account, amount, currency, CAST(ts AS DATE)::VARCHAR, memo "
                            "FROM transactions ORDER BY origin_line")
    assert [tuple(r) for r in rows] == [
        (own, "WESTGB22:GB82WEST12345698765432", 1250.0, "EUR", "2021-03-04", "Miete März"),
        (own, f"{own}#fees", 4.9, "EUR", "2021-03-05", "Kontoführung"),
        (f"{own}#interest", own, 0.12, "EUR", "2021-03-06", "Habenzinsen")]


def test_two_digit_year_read_with_four_digit_format_is_quarantined_not_misdated(case: Case, tmp_path: Path) -> None:
    data = tmp_path / "e.csv"
    data.write_text("Datum;Betrag;IBAN\n05.03.21;1,00;GB82WEST12345698765432\n05.03.2021;2,00;GB82WEST12345698765432\n",
                    encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('delimiter = ";"\ndecimal = ","\ntimestamp_formats = ["%d.%m.%Y"]\npositional_ids = true\n'
                       '[statement]\naccount = "ME"\n[columns]\ntimestamp = "datum"\namount = "betrag"\n'
                       'counterparty = "iban"\n', encoding="utf-8")
    result = ingest_transactions(case, data, mapping=mapping)
    assert (result.rows_stored, result.rows_quarantined) == (1, 1)
    reason = case.engine.scalar("SELECT reason FROM quarantine WHERE line = 2")
    assert reason.startswith("timestamp before the year 1000: 05.03.21")
