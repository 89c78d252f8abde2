from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from moneytrail.ingest import IngestError, ingest_events
from moneytrail.store import Case

ACLED = ("event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,assoc_actor_1,actor2,"
         "assoc_actor_2,country,admin1,location,latitude,longitude,source,notes,fatalities\n"
         'FRE101,04 March 2021,2021,1,Battles,Armed clash,Northern Brigade,,Harbor Militia,,Freedonia,North,Port Vale,'
         '12.5,3.25,Daily Ledger,"Clash near the port, two killed",2\n'
         "FRE102,2021-03-05,2021,3,Riots,Mob violence,Rioters (Freedonia),,,,Freedonia,North,Port Vale,95,3.2,,,0\n"
         "FRE103,someday,2021,1,Riots,,,,,,,,,,,,,\n"
         "FRE104,2021-03-06,2021,2,Protests,Peaceful protest,Protesters,,,,Freedonia,South,Lake Town,1,2,,,many\n"
         "FRE105,2021-03-07,2021,1,Protests,Peaceful protest,Protesters,,,,Freedonia,South,Lake Town,1,2,,\n")
GTD = ("eventid,iyear,imonth,iday,country_txt,provstate,city,latitude,longitude,attacktype1_txt,targtype1_txt,"
       "gname,nkill,nwound,summary\n"
       "200101010001,2001,0,0,Freedonia,North,Port Vale,1,2,Bombing/Explosion,Business,Northern Brigade,2.0,,x\n"
       "200105000002,2001,5,0,Freedonia,North,Port Vale,1,2,Armed Assault,Police,Northern Brigade,,3,\n"
       "200105070003,2001,5,7,Freedonia,,,,,Armed Assault,Police,Harbor Militia,1,1,\n"
       "200105070004,abc,5,7,Freedonia,,,,,Armed Assault,Police,Harbor Militia,1,1,\n")


def test_acled(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "acled.csv"
    path.write_text(ACLED)
    result = ingest_events(case, path)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (5, 1, 4)
    row = case.engine.rows("SELECT event_id, event_date, date_precision, actor1, actor2, fatalities, notes, "
                           "event_source, origin_line FROM events")
    assert row == [("FRE101", date(2021, 3, 4), "day", "Northern Brigade", "Harbor Militia", 2,
                    "Clash near the port, two killed", "Daily Ledger", 2)]
    reasons = dict(case.engine.rows("SELECT line, reason FROM quarantine"))
    assert reasons[3] == "coordinates out of range"
    assert reasons[4] == "unparseable event_date 'someday'"
    assert reasons[5] == "unparseable fatalities 'many'"
    assert "MISSING COLUMNS" in reasons[6]
    assert case.engine.scalar("SELECT kind FROM sources") == "event_dataset"


def test_gtd_date_precision(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "gtd.csv"
    path.write_text(GTD)
    result = ingest_events(case, path, fmt="gtd")
    assert (result.rows_stored, result.rows_quarantined) == (3, 1)
    rows = case.engine.rows("SELECT event_id, event_date, date_precision, actor1, fatalities, wounded FROM events "
                            "ORDER BY event_id")
    assert rows == [("200101010001", date(2001, 1, 1), "year", "Northern Brigade", 2, None),
                    ("200105000002", date(2001, 5, 1), "month", "Northern Brigade", None, 3),
                    ("200105070003", date(2001, 5, 7), "day", "Harbor Militia", 1, 1)]
    assert "abc/5/7" in case.engine.scalar("SELECT reason FROM quarantine")


def test_missing_columns_and_unknown_format(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "acled.csv"
    path.write_text("event_id_cnty,date\nX,2021-01-01\n")
    with pytest.raises(IngestError, match=r"acled\.csv: line 1: missing columns event_date"):
        ingest_events(case, path)
    with pytest.raises(IngestError, match="unknown event format"):
        ingest_events(case, path, fmt="ucdp")
