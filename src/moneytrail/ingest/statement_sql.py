"""SQL for the parts of a mapping beyond "this column is that field": amounts with decimal commas and
thousands separators, local times, and the two sides of a single-account statement.

A statement row names one own account (given once in the mapping, or a column), the other side (a
counterparty column) and a direction (a debit/credit column, else the amount's sign). A row without a
counterparty is a cash, fee or interest leg: its other side is the named counterpart node
``<own account key>#<kind>`` (kind from the mapping's counterpart values, else ``other``), so such
legs are stored, never quarantined for lacking a counterparty.
"""

from __future__ import annotations

from dataclasses import dataclass

from moneytrail.ingest.mapping import Mapping
from moneytrail.ingest.sqltext import account_key_sql, literal, number_sql


def amount_sql(expr: str, m: Mapping) -> str:
    """The amount as DOUBLE (NULL when it does not parse). The plain case stays a bare cast: it is the
    hot path of every native ingest."""
    if m.decimal == "." and not m.thousands:
        return number_sql(expr)
    text = f"trim({expr})"
    if m.thousands:
        text = f"replace({text}, {literal(m.thousands)}, '')"
    if m.decimal != ".":
        text = f"replace({text}, {literal(m.decimal)}, '.')"
    return number_sql(text)


def local_time_sql(ts: str, m: Mapping) -> str:
    """Timestamps read as local time in the mapping's zone, stored as UTC."""
    if not m.timezone:
        return ts
    return f"timezone('UTC', timezone({literal(m.timezone)}, {ts}))"


def mapped_sql(expr: str, names: dict[str, str]) -> str:
    """``expr`` through a value map (unmapped values stay as they are)."""
    if not names:
        return expr
    lookup = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in names.items())
    return f"coalesce(MAP {{{lookup}}}[{expr}], {expr})"


def kind_sql(m: Mapping, column_expr: dict[str, str]) -> str:
    """The counterpart kind a row's kind columns name, else 'other': the first column whose text starts
    with one of the mapping's values (the longest value first, so "VYBER KARTOU" wins over "VYBER")."""
    if not m.kind_values:
        return "'other'"
    values = sorted(m.kind_values, key=lambda v: (-len(v), v))
    parts = []
    for c in m.kind_columns:
        if c in column_expr:
            text = f"trim({column_expr[c]})"
            whens = " ".join(f"WHEN starts_with({text}, {literal(v)}) THEN {literal(m.kind_values[v])}" for v in values)
            parts.append(f"CASE {whens} END")
    parts.append("'other'")
    return f"coalesce({', '.join(parts)})"


@dataclass(frozen=True)
class Sides:
    """Select-list pieces for the two accounts of a row, its amount and any problem with its sides."""

    from_account: str
    from_raw: str
    to_account: str
    to_raw: str
    amount: str
    problem: str  # text expression, NULL when the row's sides are fine
    pre: str = ""  # select items computed once per row in a layer below (``raw._mt_*``), when needed


def statement_sides_sql(m: Mapping, col: dict[str, str], amount: str, kind_exprs: dict[str, str]) -> Sides:
    """Sides of a single-account statement row. ``col`` maps field -> text expression (absent when the
    file has no such column); ``amount`` is the parsed (possibly signed) amount; ``kind_exprs`` maps the
    file's column names to their text expressions, for the counterpart kind. The direction, both
    account keys and the amount are computed once, in ``pre`` (a layer below the parse), and the sides
    pick from them: each would otherwise be evaluated twice or three times per row."""
    null = "CAST(NULL AS VARCHAR)"
    bank_default = literal(m.default_bank) if m.default_bank is not None else "''"
    own_raw = literal(m.own_account) if m.own_account is not None else col.get("account", null)
    own = account_key_sql(f"coalesce({col.get('bank', null)}, {bank_default})", own_raw)
    other_raw = col.get("counterparty", null)
    other_bank = f"coalesce({col.get('counterparty_bank', null)}, {bank_default})"
    other = (f"CASE WHEN {other_raw} IS NOT NULL THEN {account_key_sql(other_bank, other_raw)} "
             f"ELSE concat({own}, '#', {kind_sql(m, kind_exprs)}) END")
    direction = col.get("direction")
    if direction is not None:
        debit = " ".join(f"WHEN {literal(v)} THEN true" for v in m.debit_values)
        credit = " ".join(f"WHEN {literal(v)} THEN false" for v in m.credit_values)
        outgoing = f"(CASE trim({direction}) {debit} {credit} END)"
        known = literal(f" (debit: {', '.join(m.debit_values)}; credit: {', '.join(m.credit_values)})")
        problem = (f"CASE WHEN {own_raw} IS NULL THEN 'missing own account' WHEN raw._mt_out IS NULL THEN "
                   f"'unknown direction ' || coalesce('''' || {direction} || '''', '(empty)') || {known} END")
    else:
        outgoing = f"({amount} < 0)"
        problem = f"CASE WHEN {own_raw} IS NULL THEN 'missing own account' END"
    pre = f"{outgoing} AS _mt_out, {own} AS _mt_own, {other} AS _mt_other, {amount} AS _mt_amount"
    return Sides(from_account="CASE WHEN raw._mt_out THEN raw._mt_own ELSE raw._mt_other END", from_raw=own_raw,
                 to_account="CASE WHEN raw._mt_out THEN raw._mt_other ELSE raw._mt_own END", to_raw="'-'",
                 amount="abs(raw._mt_amount)", problem=problem, pre=pre)
