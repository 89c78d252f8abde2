"""The Engine seam: all SQL runs through an Engine. Only this package imports duckdb or pyspark."""

from moneytrail.engine.protocol import Engine, EngineError, open_engine

__all__ = ["Engine", "EngineError", "open_engine"]
