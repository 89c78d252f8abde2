"""SQL that an engine owns (docs/architecture.md): enforced on the source of every stage.

Outside ``engine/`` and ``store/``, no SQL string literal may hold a row-level write (``UPDATE ... SET``,
``DELETE FROM``, ``INSERT OR REPLACE``) or create or drop a fixed-named temp table, and no code registers an
Arrow table under a name it picks; stages use the writer API (``Engine.append/replace_partition/upsert/
remove``) and run-owned scratch tables (``Engine.run()``: ``materialise``, ``view``, ``arrow``).
Stage modules hold no module-level mutable state (a dict, list or set assigned at module level and then
changed).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "moneytrail"
EXEMPT = {"engine", "store"}
STAGES = {"ingest", "resolve", "trace", "detect", "link", "evidence", "report", "generate"}

WRITE = re.compile(r"\bUPDATE\s+[\w{}.]+\s+SET\b|\bDELETE\s+FROM\b|\bINSERT\s+OR\s+REPLACE\b", re.IGNORECASE)
TEMP = re.compile(r"\bCREATE\s+(OR\s+REPLACE\s+)?TEMP(ORARY)?\s+(TABLE|VIEW)\b|\bDROP\s+(TABLE|VIEW)\b", re.IGNORECASE)

# The remainder still to move onto Engine.run() / the writer API, per module (a ratchet: a module not
# listed must be clean, and a listed module that has become clean must be removed from the list).
NOT_YET_CONVERTED: dict[str, str] = {}


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants, with f-strings joined (placeholders as {}) so a statement split over parts is seen whole."""
    found: list[tuple[int, str]] = []
    inside = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if id(node) in inside:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                           for v in node.values)
            found.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def sql_violations(source: str) -> list[str]:
    """Row-level writes and temp-table DDL in the string literals of a module's source, and Arrow tables
    registered under a name the module picks (``Engine.register_arrow``; stages use ``Run.arrow``)."""
    tree = ast.parse(source)
    out = []
    for line, text in _literals(tree):
        for rx, what in ((WRITE, "row-level write"), (TEMP, "temp table DDL")):
            m = rx.search(text)
            if m:
                out.append(f"line {line}: {what} {m.group(0)!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register_arrow":
            out.append(f"line {node.lineno}: fixed-name register_arrow 'register_arrow'")
    return out


def mutable_state_violations(source: str) -> list[str]:
    """Module-level dicts, lists and sets that the module changes (item or attribute assignment, or a
    mutating method call anywhere in it). Constants that are only read are fine."""
    tree = ast.parse(source)
    names: dict[str, int] = {}
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        mutable = isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter"})
        for t in targets:
            if mutable and isinstance(t, ast.Name):
                names[t.id] = node.lineno
    # Changes made while the module is imported (filling a constant table) are not state; only changes
    # from inside functions are.
    in_functions = [n for top in tree.body if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    for n in ast.walk(top)]
    mutators = {"append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "setdefault", "add",
                "discard", "sort", "__setitem__"}
    out = []
    for node in in_functions:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in mutators \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in names:
            out.append(f"line {node.lineno}: module-level {node.func.value.id} changed by .{node.func.attr}()")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in names:
                    out.append(f"line {node.lineno}: module-level {t.value.id} changed by item assignment")
    return out


def _modules(packages: set[str]) -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] in packages)


def _check(check: object, packages: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _modules(packages):
        problems = check(path.read_text(encoding="utf-8"))  # type: ignore[operator]
        if problems:
            found[".".join(path.relative_to(SRC).with_suffix("").parts)] = problems
    return found


def test_no_row_level_writes_or_fixed_temp_tables_outside_engine_and_store() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir()} - EXEMPT
    found = _check(sql_violations, packages)
    unexpected = {m: v for m, v in found.items() if m not in NOT_YET_CONVERTED}
    assert not unexpected, "use Engine.run()/the writer API:\n" + "\n".join(f"{m}: {v}" for m, v in unexpected.items())
    assert not [m for m in NOT_YET_CONVERTED if m not in found], "converted: remove from NOT_YET_CONVERTED"


# Registries filled at import by a decorator (documented where they are defined), not run state.
IMPORT_TIME_REGISTRIES = {"detect.registry": "the @register decorator adds each detector class once, at import"}


def test_no_module_level_mutable_state_in_stages() -> None:
    found = {m: v for m, v in _check(mutable_state_violations, STAGES).items() if m not in IMPORT_TIME_REGISTRIES}
    assert not found, "\n".join(f"{m}: {v}" for m, v in found.items())


def test_the_checks_catch_planted_violations() -> None:
    planted = '''
_CACHE: dict[int, str] = {}
_SEEN = set()
LIMITS = {"a": 1}  # read only: fine

def f(engine, t):
    _CACHE[id(engine)] = "x"
    _SEEN.add(t)
    engine.execute(f"UPDATE transactions SET label = 1 WHERE txn_id = {t}")
    engine.execute("DELETE FROM findings WHERE kind = 'x'")
    engine.execute("CREATE OR REPLACE TEMP TABLE _detect_edges AS SELECT 1")
    engine.register_arrow("_new_findings", t)
    return LIMITS["a"]
'''
    state = mutable_state_violations(planted)
    assert any("_CACHE" in v for v in state) and any("_SEEN" in v for v in state)
    assert not any("LIMITS" in v for v in state)
    sql = sql_violations(planted)
    assert [v.split(":")[1].strip().split(" '")[0] for v in sql] == ["row-level write", "row-level write",
                                                                     "temp table DDL", "fixed-name register_arrow"]
    assert not sql_violations("x = 'SELECT * FROM updates WHERE deleted'\ny = 'the update set is big'")
