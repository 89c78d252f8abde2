"""The Spark engine: the same stages on a cluster, a case as a folder of Parquet tables (see engine.py).

Importing this package does not import pyspark; opening an engine does (``pip install 'moneytrail[spark]'``).
"""
