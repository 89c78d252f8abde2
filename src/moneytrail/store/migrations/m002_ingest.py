"""Ingest tables: currency rates (as loaded and expanded per day) and per-account labels.

Rates are expanded to one row per currency and day (``rates_daily``) so converting millions of
transactions is an equi-join on (currency, day) rather than a range join.
"""

VERSION = 2
NAME = "ingest"

STATEMENTS = [
    # rate = reporting-currency units per one unit of `currency`; valid_to is inclusive.
    """CREATE TABLE rates (
        currency VARCHAR NOT NULL,
        valid_from DATE NOT NULL,
        valid_to DATE,
        rate DOUBLE NOT NULL,
        reporting_currency VARCHAR NOT NULL,
        source_id VARCHAR,
        origin_file VARCHAR,
        origin_line BIGINT,
        ingest_id VARCHAR
    )""",
    """CREATE TABLE rates_daily (
        currency VARCHAR NOT NULL,
        day DATE NOT NULL,
        rate DOUBLE NOT NULL,
        PRIMARY KEY (currency, day)
    )""",
    # Labels known per account (AMLSim nodes.csv isFraud), read by evaluation.
    """CREATE TABLE account_labels (
        account_key VARCHAR NOT NULL,
        label INTEGER NOT NULL,
        typology VARCHAR,
        label_step INTEGER,
        source_id VARCHAR,
        origin_file VARCHAR,
        origin_line BIGINT,
        ingest_id VARCHAR
    )""",
]
