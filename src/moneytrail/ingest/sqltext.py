"""Small SQL expression builders shared by the ingest formats (text cleaning, dates, labels)."""

from __future__ import annotations

from collections.abc import Sequence


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def account_key_sql(bank: str, account: str) -> str:
    """``bank:account`` in one concat, without the intermediate string of ``a || ':' || b`` (which cost about
    twice as much: a tenth of a native file's parse). A NULL bank reads as empty; a row without an account
    is quarantined (``missing from_account``, ``missing own account``), so its key, which then ends in ':',
    is never stored."""
    return f"concat({bank}, ':', {account})"


def text_sql(column: str) -> str:
    """The field's text, NULL when empty. Not trimmed: trimming every field costs about as much as parsing
    the file; numbers parse with surrounding blanks anyway, and a blank-padded date is quarantined."""
    return f"nullif(raw.{column}, '')"


def number_sql(expr: str) -> str:
    """A decimal number as DOUBLE, NULL when it does not parse. The engine's cast also reads ``1_000`` as 1000;
    digit separators are not part of a decimal number in a data file, so such text is not a number
    (``0x10`` the DOUBLE cast refuses already). NaN and infinities parse and are checked by the callers."""
    return f"CASE WHEN strpos({expr}, '_') = 0 THEN TRY_CAST({expr} AS DOUBLE) END"


# Integer time steps (AMLSim days, PaySim hours): digits only (the engine's integer cast reads 0x10, 0b11 and
# 1_000), and within a millennium, so the date arithmetic cannot overflow.
MAX_STEP_DAYS = 366_000
_PER_DAY = {"seconds": 86_400, "minutes": 1_440, "hours": 24, "days": 1}


def step_sql(expr: str, unit: str = "days") -> str:
    limit = MAX_STEP_DAYS * _PER_DAY[unit]
    return (f"CASE WHEN regexp_full_match({expr}, '\\s*[0-9]{{1,12}}\\s*') AND TRY_CAST({expr} AS BIGINT) <= "
            f"{limit} THEN TRY_CAST({expr} AS BIGINT) END")


def timestamp_sql(expr: str, formats: Sequence[str], step_base_date: str | None = None,
                  step_unit: str = "days") -> str:
    """Parse with the first matching format; with ``step_base_date``, integer steps are ``step_unit``
    (seconds, minutes, hours, days) after it."""
    parses = _first_parse_sql(expr, formats)
    if step_base_date is not None:
        step = step_sql(expr, step_unit)
        after = f"CAST({literal(step_base_date)} AS TIMESTAMP) + to_{step_unit}({step})"
        return (f"CASE WHEN {step} >= 0 THEN {after} ELSE {parses} END"
                if formats else f"CASE WHEN {step} >= 0 THEN {after} END")
    return parses


def _first_parse_sql(expr: str, formats: Sequence[str]) -> str:
    """The first format that parses, each tried only on the rows the ones before it left. ``%Y`` also reads a
    two-digit year as the year 21 AD: when the formats also offer ``%y``, a ``%Y`` parse before the year 1000
    is refused so that the ``%y`` format reads ``05.03.21`` as 2021. Written as nested CASE/coalesce rather
    than one coalesce of guarded parses: DuckDB then evaluated every guarded format on every row (each failing
    parse is costly: a bank export's five date formats cost three times the rest of its parse)."""
    two_digit_years = any("%y" in f for f in formats)
    rest = ""
    for fmt in reversed(formats):
        parse = f"try_strptime({expr}, {literal(fmt)})"
        otherwise = f" ELSE {rest}" if rest else ""
        if two_digit_years and "%Y" in fmt:
            rest = f"CASE WHEN {parse} >= TIMESTAMP '1000-01-01' THEN {parse}{otherwise} END"
        else:
            rest = f"coalesce({parse}, {rest})" if rest else parse
    return rest or "CAST(NULL AS TIMESTAMP)"


def label_sql(expr: str) -> str:
    """1/0 from the usual spellings of true/false; NULL when absent. A simple CASE rather than ``IN``
    lists: DuckDB plans an ``IN`` list as a join, and a join in the parse pipeline breaks the file order
    that line numbers are read from."""
    spellings = [(s, 1) for s in ("true", "t", "yes", "y")] + [(s, 0) for s in ("false", "f", "no", "n")]
    # 0 and 1 (nearly every row of a labelled file) are matched before the text is lower-cased.
    return (f"CASE {expr} WHEN '0' THEN 0 WHEN '1' THEN 1 ELSE CASE lower({expr}) "
            + " ".join(f"WHEN {literal(s)} THEN {v}" for s, v in spellings) + " END END")
