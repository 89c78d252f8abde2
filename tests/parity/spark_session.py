"""One SparkSession for the Spark tests (local[2]; it takes ~20 s to start), or a skip naming what is missing."""

from __future__ import annotations

from typing import Any


def spark_session_or_skip() -> Any:
    import pytest

    from moneytrail.engine.spark.session import java_available, pyspark_available, spark_session

    if not pyspark_available():
        pytest.skip("pyspark is not installed (pip install 'moneytrail[spark]')")
    if not java_available():
        pytest.skip("Java is not installed (Spark needs a JRE 17: apt-get install openjdk-17-jre-headless)")
    return spark_session("local[2]", memory="1g", shuffle_partitions=2)
