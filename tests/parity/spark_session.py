"""One SparkSession for the parity tests (local[2]; it takes ~20 s to start), or a skip naming what is missing."""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any

_SESSION: list[Any] = []


def spark_session_or_skip() -> Any:
    import pytest

    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (pip install moneytrail[spark])")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (Spark needs a JRE 17: apt-get install openjdk-17-jre-headless)")
    if not _SESSION:
        from pyspark.sql import SparkSession

        _SESSION.append(SparkSession.builder.master("local[2]").appName("moneytrail-parity")
                        .config("spark.driver.memory", "1g").config("spark.ui.enabled", "false")
                        .config("spark.ui.showConsoleProgress", "false")
                        .config("spark.sql.shuffle.partitions", "2").getOrCreate())
        _SESSION[0].sparkContext.setLogLevel("ERROR")
    return _SESSION[0]
