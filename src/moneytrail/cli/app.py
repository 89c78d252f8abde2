"""Builds the ``moneytrail`` command from the verb modules in this package.

Every module here except ``app`` and ``output`` defines ``register(app)``; verbs are discovered,
so adding a capability means adding a module, not editing a central list.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

from moneytrail.cli.output import fail
from moneytrail.engine import EngineError
from moneytrail.engine.protocol import ENGINE_ENV, engine_backend
from moneytrail.engine.spark.session import MASTER_ENV
from moneytrail.store import CaseError

_NOT_VERBS = {"app", "output"}


def build_app() -> typer.Typer:
    app = typer.Typer(name="moneytrail", no_args_is_help=True, add_completion=False,
                      help="Follow the money: ingest, resolve, trace, detect, link, evidence, report.",
                      pretty_exceptions_enable=False)
    app.callback()(engine_options)
    package = importlib.import_module("moneytrail.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in _NOT_VERBS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"moneytrail.cli.{info.name}")
        module.register(app)
    return app


def engine_options(
        engine: str | None = typer.Option(None, "--engine", help="duckdb (default) or spark: the engine new cases "
                                          "are created on (MONEYTRAIL_ENGINE); existing cases open on their own."),
        spark_master: str | None = typer.Option(
            None, "--spark-master",
            help="Spark master URL for a cluster (spark://host:7077, yarn, k8s://...); default: local mode, all cores.")
) -> None:
    """Follow the money: ingest, resolve, trace, detect, link, evidence, report."""
    # Environment variables, so every verb's Case.create/open (and subprocesses) see the choice.
    if engine:
        os.environ[ENGINE_ENV] = engine_backend(engine)
    if spark_master:
        os.environ[MASTER_ENV] = spark_master


def main() -> None:
    app = build_app()
    try:
        app(standalone_mode=True)
    except (CaseError, EngineError) as exc:
        # The library says what is wrong; the command line adds what to type about it.
        hint = "; create one with `moneytrail init CASE`" if str(exc).startswith("no case at") else ""
        fail(f"{exc}{hint}")
        sys.exit(2)
