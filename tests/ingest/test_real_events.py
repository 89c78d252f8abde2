"""Real event files (tests/data/real/README.md): ACLED's older upper-case layout and a GTD slice."""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest import ingest_events
from moneytrail.store import Case

REAL = Path(__file__).parents[1] / "data" / "real"


def test_acled_older_upper_case_layout_reads_as_it_is(case: Case) -> None:
    result = ingest_events(case, REAL / "acled_old_layout_hdx.csv", fmt="acled")
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (4, 4, 0)
    rows = case.engine.rows("SELECT event_id, CAST(event_date AS VARCHAR), event_type, actor1, assoc_actor_1, actor2, "
                            "assoc_actor_2, country, admin1, location, latitude, fatalities, origin_line "
                            "FROM events ORDER BY origin_line")
    assert tuple(rows[0]) == ("1416RTA", "2001-04-18", "Violence against civilians", "Police Forces of Algeria (1999-)",
                              None, "Civilians (Algeria)", "Berber Ethnic Group (Algeria)", "Algeria", "Tizi Ouzou",
                              "Beni Douala", 36.61954, 1, 2)
    # ALLY_ACTOR_1 of the old layout is today's assoc_actor_1.
    assert rows[1][4] == "Berber Ethnic Group (Algeria)" and rows[1][1] == "2001-04-19"
    assert [r[0] for r in rows] == ["1416RTA", "2229RTA", "2230RTA", "2231RTA"]


def test_gtd_windows_bytes_lose_no_row(case: Case) -> None:
    path = REAL / "gtd_0718dist_slice.csv"
    result = ingest_events(case, path, fmt="gtd")
    assert result.details["encoding"]["name"] == "cp1252"
    assert result.rows_read == 240 and result.reconciles
    assert result.rows_stored == 240, case.engine.rows("SELECT line, reason FROM quarantine")
    first = case.engine.rows("SELECT event_id, CAST(event_date AS VARCHAR), date_precision, country, actor1, "
                             "actor2, location, fatalities FROM events WHERE origin_line = 2")[0]
    assert tuple(first) == ("197000000001", "1970-07-02", "day", "Dominican Republic", "MANO-D", "Julio Guzman",
                            "Santo Domingo", 1)
    # imonth = iday = 0: the year is all that is known.
    assert case.engine.rows("SELECT date_precision FROM events WHERE event_id = '197000000002'") == [("year",)]
    # Line 227 carries cp1252 curly quotes (0x93/0x94) and is stored, on its own line.
    assert case.engine.rows("SELECT event_id FROM events WHERE origin_line = 227") == [("197004240004",)]
    assert case.engine.scalar("SELECT sub_event_type FROM events WHERE event_id = '197003240004'") is not None


def test_event_mapping_file_names_columns_and_encoding(case: Case, tmp_path: Path) -> None:
    data = tmp_path / "acled_renamed.csv"
    text = (REAL / "acled_old_layout_hdx.csv").read_text(encoding="utf-8").replace("EVENT_ID_CNTY", "ID", 1)
    data.write_bytes(text.replace("Beni Douala,", "Béni Douala,").encode("cp1252"))
    mapping = tmp_path / "events.toml"
    mapping.write_text('format = "acled"\nencoding = "cp1252"\n[columns]\nevent_id_cnty = ["Id"]\n', encoding="utf-8")
    result = ingest_events(case, data, mapping=mapping)
    assert (result.rows_stored, result.rows_quarantined) == (4, 0)
    assert result.details["encoding"] == {"name": "cp1252", "detected": False, "why": "named in the mapping"}
    assert case.engine.scalar("SELECT location FROM events WHERE event_id = '1416RTA'") == "Béni Douala"


def test_acled_2015_all_africa_export_in_cp1252_loses_no_row(case: Case) -> None:
    """A real ACLED realtime file of July 2015 (version 5 layout: ``GWNO``, ``ALLY_ACTOR_1``, ``ADM_LEVEL_1``)
    as published: single-byte Windows text, with 0x92 (’), which only cp1252 defines, and 0xE9 (é)."""
    path = REAL / "acled_all_africa_2015_07_cp1252.csv"
    raw = path.read_bytes()
    assert b"\x92" in raw and b"\xe9" in raw and b"\r" not in raw
    result = ingest_events(case, path, fmt="acled")
    assert result.details["encoding"]["name"] == "cp1252" and result.details["encoding"]["detected"]
    # Every one of the 1,126 records after the header is stored; nothing quarantined, no duplicate.
    assert (result.rows_read, result.rows_stored, result.rows_quarantined, result.rows_duplicate) == (1126, 1126, 0, 0)
    assert result.reconciles and case.count("quarantine") == 0
    assert case.engine.rows("SELECT min(origin_line), max(origin_line), count(DISTINCT origin_line) FROM events") == [
        (2, 1127, 1126)]

    def row(line: int) -> tuple[object, ...]:
        return tuple(case.engine.rows(
            "SELECT event_id, CAST(event_date AS VARCHAR), date_precision, event_type, actor1, actor2, country, "
            "admin1, location, fatalities FROM events WHERE origin_line = ?", [line])[0])

    # Accented names decoded from cp1252: an actor (line 103), a location with 30 fatalities (line 111) and a
    # province read from the old ADM_LEVEL_1 column (line 17); dates are DD/MM/YYYY.
    assert row(103)[0:2] == ("9450RTA", "2015-07-29") and row(103)[4] == "Séléka Militia"
    assert row(103)[6] == "Central African Republic"
    assert row(111) == ("9454RTA", "2015-07-25", "day", "Battle-No change of territory", row(111)[4], row(111)[5],
                        "Chad", row(111)[7], "Médi Koura", 30)
    assert row(17)[6:8] == ("Algeria", "Bordj Bou Arréridj") and row(17)[1] == "2015-07-08"
    assert row(255)[6] == "Ivory Coast" and row(255)[8] == "Duekoue"
    # TIME_PRECISION 2 is a week.
    assert case.engine.scalar("SELECT date_precision FROM events WHERE event_id = '9481RTA'") == "week"
    # A cp1252-only byte (0x92, right single quote) in the notes is decoded, not lost.
    assert case.engine.scalar("SELECT count(*) FROM events WHERE notes LIKE '%’%'") >= 1
    assert case.engine.scalar("SELECT sum(fatalities) FROM events") == sum(
        int(line.rsplit(b",", 1)[1]) for line in raw.splitlines()[1:])
