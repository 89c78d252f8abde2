"""Event datasets -> ``events``: ACLED CSV exports and a GTD (Global Terrorism Database) subset.

ACLED: ``event_date`` as ISO or ACLED's ``04 March 2021``; ``time_precision`` 1/2/3 -> day/week/month.
GTD: ``iyear/imonth/iday`` with 0 = unknown: the date falls back to the first of the month or year and
``date_precision`` says day, month or year. Bad dates or numbers quarantine the row with its line.
"""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest.csvfile import read_header, settle_staged, stage_csv
from moneytrail.ingest.duplicates import settle_duplicate_events
from moneytrail.ingest.event_mapping import PRESETS as EVENT_PRESETS
from moneytrail.ingest.event_mapping import REQUIRED, EventMapping, load_event_mapping
from moneytrail.ingest.filelog import file_ingest
from moneytrail.ingest.result import IngestError, IngestResult, Progress
from moneytrail.ingest.sqltext import literal, number_sql, text_sql
from moneytrail.model.ids import stable_id
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_EVENT_COLUMNS = ("event_id", "event_date", "date_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
                  "actor2", "assoc_actor_2", "country", "admin1", "location", "latitude", "longitude", "fatalities",
                  "wounded", "notes", "event_source")
_ACLED_TEXT = ("event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "country",
               "admin1", "location")
_ACLED_DATES = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y")


def _number_checks(values: dict[str, str], cols: dict[str, str], *, integers: tuple[str, ...]) -> list[str]:
    """WHEN clauses quarantining non-empty numbers that do not parse, and out-of-range coordinates."""
    checks = []
    for name, column in values.items():
        if column in cols:
            text = text_sql(cols[column])
            checks.append(f"WHEN {text} IS NOT NULL AND {number_sql(text)} IS NULL "
                          f"THEN 'unparseable {name} ''' || {text} || ''''")
            checks.append(f"WHEN {_not_finite(number_sql(text))} THEN '{name} is not a finite number'")
    for name in integers:
        if name in values and values[name] in cols:
            text = text_sql(cols[values[name]])
            checks.append(f"WHEN TRY_CAST({text} AS DOUBLE) < 0 THEN 'negative {name}'")
            checks.append(f"WHEN TRY_CAST({text} AS DOUBLE) > 2147483647 THEN '{name} out of range ' || {text}")
    if "latitude" in values and values["latitude"] in cols:
        lat = f"TRY_CAST({text_sql(cols[values['latitude']])} AS DOUBLE)"
        lon = f"TRY_CAST({text_sql(cols[values['longitude']])} AS DOUBLE)" if values["longitude"] in cols else "0"
        checks.append(f"WHEN abs({lat}) > 90 OR abs({lon}) > 180 THEN 'coordinates out of range'")
    return checks


def _not_finite(value: str) -> str:
    """NaN or infinite, spelled as the transactions' checks are (``isfinite`` is DuckDB's alone)."""
    return f"(isnan({value}) OR isinf({value}))"


def _opt(cols: dict[str, str], column: str) -> str:
    return text_sql(cols[column]) if column in cols else "CAST(NULL AS VARCHAR)"


def _num(cols: dict[str, str], column: str, kind: str) -> str:
    # TRY_CAST: an out-of-range or non-finite number is quarantined by its row's checks, never a failed cast.
    value = number_sql(_opt(cols, column))
    return f"TRY_CAST(round({value}) AS {kind})" if kind == "INTEGER" else \
        f"CASE WHEN NOT {_not_finite(value)} THEN {value} END"


def _stage_sql(select: str, checks: list[str], cols: dict[str, str], raw: str) -> str:
    # cols may name one column under several fields (aliases): each column once, in file order.
    everything = ", ".join(f"coalesce(raw.{c}, '')" for c in dict.fromkeys(cols.values()))
    return (f"SELECT raw._k, {select}, CASE {' '.join(checks)} END AS _reason, "
            f"concat_ws(',', {everything}) AS _raw FROM {raw}")


def acled_stage_sql(cols: dict[str, str], raw: str, date_formats: tuple[str, ...] = ()) -> str:
    date_text = _opt(cols, "event_date")
    parses = ", ".join(f"try_strptime({date_text}, {literal(f)})" for f in (*date_formats, *_ACLED_DATES))
    date = f"CAST(coalesce({parses}) AS DATE)"
    precision = _opt(cols, "time_precision")
    select = (f"{_opt(cols, 'event_id_cnty')} AS event_id, {date} AS event_date, CASE {precision} WHEN '2' THEN 'week' "
              f"WHEN '3' THEN 'month' ELSE 'day' END AS date_precision, "
              + ", ".join(f"{_opt(cols, c)} AS {c}" for c in _ACLED_TEXT)
              + f", {_num(cols, 'latitude', 'DOUBLE')} AS latitude, {_num(cols, 'longitude', 'DOUBLE')} AS longitude, "
              f"{_num(cols, 'fatalities', 'INTEGER')} AS fatalities, CAST(NULL AS INTEGER) AS wounded, "
              f"{_opt(cols, 'notes')} AS notes, {_opt(cols, 'source')} AS event_source")
    checks = [f"WHEN {_opt(cols, 'event_id_cnty')} IS NULL THEN 'missing event_id_cnty'",
              f"WHEN {date} IS NULL THEN 'unparseable event_date ' || coalesce('''' || {date_text} || '''', '(empty)')"]
    checks += _number_checks({"latitude": "latitude", "longitude": "longitude", "fatalities": "fatalities"}, cols,
                             integers=("fatalities",))
    return _stage_sql(select, checks, cols, raw)


def gtd_stage_sql(cols: dict[str, str], raw: str) -> str:
    year, month, day = (f"TRY_CAST({_opt(cols, c)} AS INTEGER)" for c in ("iyear", "imonth", "iday"))
    known_month = f"({month} BETWEEN 1 AND 12)"
    known_day = f"({known_month} AND {day} BETWEEN 1 AND 31)"
    date = (f"try_strptime(CAST({year} AS VARCHAR) || '-' || CAST(CASE WHEN {known_month} THEN {month} ELSE 1 END "
            f"AS VARCHAR) || '-' || CAST(CASE WHEN {known_day} THEN {day} ELSE 1 END AS VARCHAR), '%Y-%m-%d')")
    select = (f"{_opt(cols, 'eventid')} AS event_id, CAST({date} AS DATE) AS event_date, "
              f"CASE WHEN {known_day} THEN 'day' WHEN {known_month} THEN 'month' ELSE 'year' END AS date_precision, "
              f"{_opt(cols, 'attacktype1_txt')} AS event_type, {_opt(cols, 'targtype1_txt')} AS sub_event_type, "
              f"{_opt(cols, 'gname')} AS actor1, {_opt(cols, 'gname2')} AS assoc_actor_1, "
              f"{_opt(cols, 'target1')} AS actor2, CAST(NULL AS VARCHAR) AS assoc_actor_2, "
              f"{_opt(cols, 'country_txt')} AS country, {_opt(cols, 'provstate')} AS admin1, "
              f"{_opt(cols, 'city')} AS location, {_num(cols, 'latitude', 'DOUBLE')} AS latitude, "
              f"{_num(cols, 'longitude', 'DOUBLE')} AS longitude, {_num(cols, 'nkill', 'INTEGER')} AS fatalities, "
              f"{_num(cols, 'nwound', 'INTEGER')} AS wounded, {_opt(cols, 'summary')} AS notes, "
              f"{_opt(cols, 'dbsource')} AS event_source")
    checks = [f"WHEN {_opt(cols, 'eventid')} IS NULL THEN 'missing eventid'",
              f"WHEN {date} IS NULL THEN 'unparseable date iyear/imonth/iday ' || "
              f"coalesce({_opt(cols, 'iyear')}, '') || '/' || coalesce({_opt(cols, 'imonth')}, '') || '/' || "
              f"coalesce({_opt(cols, 'iday')}, '')"]
    checks += _number_checks({"latitude": "latitude", "longitude": "longitude", "nkill": "nkill", "nwound": "nwound"},
                             cols, integers=("nkill", "nwound"))
    return _stage_sql(select, checks, cols, raw)


def ingest_events(case: Case, path: Path | str, *, fmt: str = "acled", source: SourceRecord | None = None,
                  progress: Progress | None = None, mapping: EventMapping | Path | str | None = None) -> IngestResult:
    """``fmt``: ``acled`` or ``gtd``; ``mapping`` (an EventMapping or a TOML/YAML file, see
    ``ingest.event_mapping``) names columns, delimiter and encoding. Headers match case-insensitively,
    so ACLED's older upper-case layout reads as it is; a file that is not UTF-8 is read through a UTF-8
    copy (detected, or as the mapping names)."""
    if fmt not in ("acled", "gtd"):
        raise IngestError(f"unknown event format {fmt!r}; known: acled, gtd")
    if mapping is None:
        em = EVENT_PRESETS[fmt]
    elif isinstance(mapping, EventMapping):
        em = mapping
    else:
        em = load_event_mapping(mapping, fmt)
    results: list[IngestResult] = []
    e = case.engine
    with file_ingest(case, path, "events", preset=em.fmt, source=source, result=results,
                     mapping_hash=None if mapping is None else stable_id(repr(em)),
                     encoding=em.encoding or "auto") as fi:
        if fi is not None:
            fields = em.resolve(read_header(fi.data, em.delimiter, []), Path(path))
            required = [fields[f] for f in REQUIRED[em.fmt]]

            def build(cols: dict[str, str], raw: str) -> str:
                canonical = {f: cols[name] for f, name in fields.items() if name in cols}
                if em.fmt == "acled":
                    return acled_stage_sql(canonical, raw, em.date_formats)
                return gtd_stage_sql(canonical, raw)

            st = stage_csv(fi, delimiter=em.delimiter, required=required, build=build, table="_events_stage")
            cols = ", ".join(_EVENT_COLUMNS)
            e.execute(f"INSERT INTO events ({cols}, source_id, origin_file, origin_line, ingest_id) SELECT {cols}, "
                      f"?, ?, _line, ? FROM {st.from_sql()} s WHERE _reason IS NULL",
                      [fi.source.source_id, fi.origin, fi.ingest_id])
            settle_staged(fi, st)
            settle_duplicate_events(fi)
    return results[0]
