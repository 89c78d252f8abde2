"""Does a statement the DuckDB engine ran also run on Spark SQL? sqlglot plus the Spark dialect's rewrites.

``spark_sql(sql)`` transpiles DuckDB SQL to Spark SQL with sqlglot, then applies the rewrites sqlglot
lacks, the same spellings ``SparkDialect`` writes (``try_strptime`` -> ``try_to_timestamp`` with a Java
pattern, local times made UTC -> ``to_utc_timestamp``, ``to_days`` -> ``make_dt_interval``, ``isinf``,
``MAP {...}`` literals, ``row_number() OVER ()``).
``spark_problems(sql)`` lists what Spark would still reject: row-level writes (UPDATE, DELETE,
INSERT OR REPLACE), temp tables, ``DISTINCT ON``, unordered row numbers, functions Spark does not have,
and WITH steps that Spark would inline into a plan too large to build (``inlined_steps``).
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from sqlglot import exp

from moneytrail.engine.dialect import SPARK, java_pattern

# Functions sqlglot passes through by name that Spark SQL also has (checked against Spark 3.5's list).
SPARK_FUNCTIONS = frozenset([
    "abs", "acos", "approx_count_distinct", "array_agg", "asin", "atan", "avg", "bit_length", "ceil", "ceiling",
    "char_length", "coalesce", "concat", "concat_ws", "corr", "cos", "count", "cume_dist", "date_add",
    "date_format", "date_sub", "date_trunc", "datediff", "dayofweek", "dense_rank", "double", "element_at", "exp",
    "explode", "first", "first_value", "floor", "from_unixtime", "greatest", "hash", "hex", "if", "ifnull",
    "initcap", "instr", "isnan", "isnotnull", "isnull", "lag", "last", "last_value", "lead", "least", "left",
    "length", "levenshtein", "ln", "log", "log10", "lower", "lpad", "ltrim", "make_dt_interval", "map", "max",
    "md5", "min", "mod", "monotonically_increasing_id", "nullif", "nvl", "ntile", "percent_rank",
    "percentile_approx", "pow", "power", "rank", "regexp_extract", "regexp_replace", "repeat", "replace",
    "reverse", "right", "round", "row_number", "rpad", "rtrim", "sequence", "sha1", "sha2", "sign", "sin", "split",
    "split_part", "sqrt", "stddev", "stddev_pop", "stddev_samp", "struct", "substr", "substring", "sum", "tan",
    "to_date", "to_timestamp", "to_utc_timestamp", "translate", "trim", "try_cast", "try_to_timestamp",
    "unix_micros", "unix_seconds", "unix_timestamp", "upper", "var_pop", "var_samp", "variance",
])


# Spark inlines a WITH step wherever it is read, so a step read twice by a step read twice is planned four
# times. A 15-step statement (resolve.fragments, before it was split) planned 7,303 step copies and exhausted
# the driver's heap while Spark printed its plan; the largest statement the suite runs now plans 173.
MAX_INLINED_STEPS = 1000

_MAP_FUNCTION = "mt_map_literal"
_INTERVAL_PLACE = {"to_hours": 1, "to_minutes": 2, "to_seconds": 3}  # argument position in make_dt_interval


def _rewrite(node: exp.Expression) -> Any:
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = node.expressions
        if name == "try_strptime" and len(args) == 2 and isinstance(args[1], exp.Literal):
            return exp.func("try_to_timestamp", args[0], exp.Literal.string(java_pattern(args[1].name)))
        if name == "timezone" and len(args) == 2 and isinstance(args[1], exp.Anonymous) \
                and str(args[1].this).lower() == "timezone" and len(args[1].expressions) == 2 \
                and isinstance(args[0], exp.Literal) and args[0].name.upper() == "UTC":
            # timezone('UTC', timezone(zone, ts)): a local wall-clock time in ``zone`` as UTC.
            zone, ts = args[1].expressions
            return exp.func("to_utc_timestamp", ts.transform(_rewrite), zone)  # the new node is not revisited
        if name in _INTERVAL_PLACE and len(args) == 1:
            # to_hours(n) etc.: an interval of n units; Spark's make_dt_interval(days, hours, mins, secs).
            zeros = [exp.Literal.number(0)] * _INTERVAL_PLACE[name]
            return exp.func("make_dt_interval", *zeros, args[0].transform(_rewrite))
        if name == _MAP_FUNCTION:
            return exp.VarMap(keys=exp.Array(expressions=args[0::2]), values=exp.Array(expressions=args[1::2]))
    if isinstance(node, exp.ToDays):
        return exp.func("make_dt_interval", node.this)
    if isinstance(node, exp.IsInf):
        return sqlglot.parse_one(SPARK.is_infinite_sql(node.this.sql("spark")), read="spark")
    if isinstance(node, exp.StrToTime) and isinstance(node.args.get("format"), exp.Literal) and node.args.get("safe"):
        fmt = node.args["format"].name
        return exp.func("try_to_timestamp", node.this, exp.Literal.string(java_pattern(fmt)))
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and not node.args.get("order") \
            and not node.args.get("partition_by"):
        return sqlglot.parse_one(SPARK.scan_ordinal_sql(), read="spark")
    return node


_MAP_LITERAL = re.compile(r"MAP\s*\{")


def _duckdb_map_literals(sql: str) -> str:
    """``MAP {'a': 'x'}`` -> ``mt_map_literal('a', 'x')``, made a Spark ``map('a', 'x')`` by ``_rewrite``
    (sqlglot breaks these literals)."""
    out: list[str] = []
    pos = 0
    for m in _MAP_LITERAL.finditer(sql):
        if m.start() < pos:
            continue
        depth, i, quoted = 1, m.end(), False
        while i < len(sql) and depth:
            c = sql[i]
            if c == "'":
                quoted = not quoted
            elif not quoted and c == "{":
                depth += 1
            elif not quoted and c == "}":
                depth -= 1
            i += 1
        body = sql[m.end():i - 1]
        pairs = re.sub(r"('(?:[^']|'')*')\s*:\s*", r"\1, ", body)
        out.append(sql[pos:m.start()] + f"{_MAP_FUNCTION}({pairs})")
        pos = i
    return "".join(out) + sql[pos:]


def spark_sql(sql: str) -> str:
    """The DuckDB statement as Spark SQL (sqlglot's transpilation plus the Spark dialect's rewrites)."""
    tree = sqlglot.parse_one(_duckdb_map_literals(sql), read="duckdb")
    return str(tree.transform(_rewrite).sql("spark"))


def inlined_steps(tree: exp.Expr) -> int:
    """How many WITH steps a plan holds once every step is inlined where it is read (as Spark does): a step
    counts once per read, with the steps it reads in turn. Steps are known by name across the statement."""
    bodies = {cte.alias_or_name.lower(): cte.this for cte in tree.find_all(exp.CTE)}

    def reads(node: exp.Expr, *, skip_steps: bool) -> list[str]:
        return [t.name.lower() for t in node.find_all(exp.Table)
                if not t.args.get("db") and t.name.lower() in bodies
                and not (skip_steps and t.find_ancestor(exp.CTE) is not None)]

    sizes: dict[str, int] = {}

    def size(name: str, seen: frozenset[str]) -> int:
        if name not in sizes:  # a step that reads itself (recursive) counts once
            sizes[name] = 1 + sum(size(r, seen | {name}) for r in reads(bodies[name], skip_steps=False)
                                  if r not in seen and r != name)
        return sizes[name]

    return sum(size(r, frozenset()) for r in reads(tree, skip_steps=True))


def spark_problems(sql: str) -> list[str]:
    """What Spark SQL would reject in the DuckDB statement ``sql`` after ``spark_sql``; empty when none."""
    try:
        source = sqlglot.parse_one(_duckdb_map_literals(sql), read="duckdb")
        text = spark_sql(sql)
        tree = sqlglot.parse_one(text, read="spark")
    except sqlglot.errors.SqlglotError as exc:
        return [f"does not parse or transpile: {str(exc).splitlines()[0]}"]
    problems: list[str] = []
    steps = inlined_steps(source)
    if steps > MAX_INLINED_STEPS:
        problems.append(f"WITH steps inlined {steps:,} times (> {MAX_INLINED_STEPS:,}): materialise the steps "
                        "read more than once (Engine.run().materialise)")
    # sqlglot quietly writes a temp table as a temp view (a different thing): judge the DuckDB statement.
    properties = (source.args.get("properties") or exp.Properties()).expressions
    if isinstance(source, exp.Create) and str(source.args.get("kind", "")).upper() == "TABLE" and any(
            isinstance(p, exp.TemporaryProperty) for p in properties):
        problems.append("CREATE TEMP TABLE (use Engine.run().materialise)")
    for node in tree.walk():
        if isinstance(node, exp.Update):
            problems.append("UPDATE (row-level write; use Engine.upsert)")
        elif isinstance(node, exp.Delete):
            problems.append("DELETE (row-level write; use Engine.replace_partition or remove)")
        elif isinstance(node, exp.Insert) and node.args.get("alternative"):
            problems.append(f"INSERT OR {node.args['alternative']} (use Engine.upsert)")
        elif isinstance(node, exp.Select) and isinstance(node.args.get("distinct"), exp.Distinct) \
                and node.args["distinct"].args.get("on"):
            problems.append("DISTINCT ON (use Dialect.first_per_key_sql)")
        elif isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and not node.args.get("order"):
            problems.append("row_number() without ORDER BY")
        elif isinstance(node, exp.Anonymous) and str(node.this).lower() not in SPARK_FUNCTIONS:
            problems.append(f"function {node.this}() is not a Spark SQL function")
        elif isinstance(node, (exp.IsInf, exp.ToDays)):
            problems.append(f"{type(node).__name__} has no Spark SQL function")
    return sorted(set(problems))
