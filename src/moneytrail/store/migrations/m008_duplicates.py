"""Rows not stored because the case already holds them: one row per duplicate, naming what it repeats.

A transaction repeats another when its ``txn_id`` is already in the case (or earlier in its own file);
where ids are positional (AMLworld, AMLSim samples), when its content does (time, accounts, amounts,
currencies, format). Events repeat by ``event_id``. ``kept_ingest_id``/``kept_line`` name the copy kept.
"""

VERSION = 8
NAME = "duplicates"

STATEMENTS = [
    """CREATE TABLE duplicates (
        ingest_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        key VARCHAR NOT NULL,
        key_kind VARCHAR NOT NULL,
        kept_ingest_id VARCHAR,
        kept_line BIGINT,
        noted_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
]
