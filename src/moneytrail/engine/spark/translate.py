"""Statements as the Spark engine runs them: the portable SQL stage code writes, translated once to Spark SQL.

Stage code writes SQL in DuckDB's spelling plus the dialect's per-engine expressions (``engine.dialect``).
``spark_statement`` translates it with sqlglot and the portability rewrites (``engine/portability.py``, the
same ones the portability test checks every captured statement with), plus what only matters when the
statement really runs: the session works in UTC with Spark's ``TIMESTAMP`` (which ``unix_micros`` and the
interval functions take), so DuckDB's naive ``TIMESTAMP`` is not made ``TIMESTAMP_NTZ``, and ``epoch``
keeps its fractional seconds. Translations are cached by text: a statement is translated once per process.

``table_schema`` reads a migration's ``CREATE TABLE`` into column names, Spark types and defaults for the
catalog: constraints (keys, NOT NULL, CHECK) are dropped, as Parquet tables have none; uniqueness is the
writer's job (``upsert`` by key).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import sqlglot
from sqlglot import exp

from moneytrail.engine.portability import _duckdb_map_literals, _rewrite


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Spark SQL type
    default: str | None = None  # a Spark SQL expression, or None for NULL


def _decimal_literal(node: exp.Expression) -> bool:
    return (isinstance(node, exp.Literal) and not node.is_string and "." in node.this
            and "e" not in node.this.lower())


def _spark_rewrite(node: exp.Expression) -> Any:
    node = _rewrite(node)
    if _decimal_literal(node):
        # ``1.0 * sum(x) / sum(n)``: DuckDB divides decimals in DOUBLE, while Spark keeps DECIMAL and, past 38
        # digits, cuts the scale down to 6 (the structuring detector's expected count lost its 7th digit, and
        # with it the score's 6th). A decimal literal read as DOUBLE gives DuckDB's values on Spark.
        return exp.Cast(this=node, to=exp.DataType.build("DOUBLE"))
    if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.TIMESTAMPNTZ, exp.DataType.Type.TIMESTAMP):
        return exp.DataType(this=exp.DataType.Type.TIMESTAMPLTZ)  # written TIMESTAMP by sqlglot's Spark
    if isinstance(node, exp.TimeToUnix):
        inner = node.this.transform(_spark_rewrite)  # a replaced node is not revisited
        return exp.Div(this=exp.func("unix_micros", inner), expression=exp.Literal.number("1e6"))
    return node


def parse(sql: str) -> exp.Expression:
    return cast(exp.Expression, sqlglot.parse_one(_duckdb_map_literals(sql), read="duckdb"))


@lru_cache(maxsize=4096)
def spark_statement(sql: str) -> str:
    """``sql`` as Spark SQL (translated once per distinct text)."""
    tree = parse(sql)
    return str(tree.transform(_spark_rewrite).sql("spark"))


def spark_expression(node: exp.Expression) -> str:
    return str(node.transform(_spark_rewrite).sql("spark"))


_TYPES = {"JSON": "STRING", "INT128": "DECIMAL(38,0)", "UINT128": "DECIMAL(38,0)", "TIMESTAMP_NTZ": "TIMESTAMP",
          "TIMESTAMP_LTZ": "TIMESTAMP",
          "UTINYINT": "SMALLINT", "USMALLINT": "INT", "UINT": "BIGINT", "UBIGINT": "DECIMAL(20,0)"}


def spark_type(datatype: exp.DataType) -> str:
    text = spark_expression(datatype).upper()
    return _TYPES.get(text, text)


def column_of(definition: exp.ColumnDef) -> Column:
    kind = definition.args.get("kind")
    default = None
    for constraint in definition.args.get("constraints") or []:
        if isinstance(constraint.kind, exp.DefaultColumnConstraint):
            default = spark_expression(constraint.kind.this)
    return Column(definition.name, spark_type(kind) if isinstance(kind, exp.DataType) else "STRING", default)


def table_schema(create: exp.Create) -> tuple[str, list[Column]]:
    """The table name and columns of a ``CREATE TABLE`` (constraints dropped, types made Spark's)."""
    schema = create.this
    if not isinstance(schema, exp.Schema):
        raise ValueError("CREATE TABLE ... AS SELECT is not a migration statement the Spark engine reads")
    name = schema.this.name
    columns = [column_of(c) for c in schema.expressions if isinstance(c, exp.ColumnDef)]
    return name, columns
