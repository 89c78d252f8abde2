"""Trace: a compact, time-sorted copy of the payment graph that traces read instead of
``transactions``.

Accounts get integer ids and edges are stored in time order, so a windowed trace reads only the
row groups of its window (zone maps) and joins on integers. The copy is rebuilt by
``trace.index.ensure_index`` whenever the transactions change (see its signature).
"""

VERSION = 5
NAME = "trace"

STATEMENTS = [
    """CREATE TABLE trace_accounts (
        account_id INTEGER NOT NULL,
        account_key VARCHAR NOT NULL
    )""",
    """CREATE TABLE trace_edges (
        ts TIMESTAMP NOT NULL,
        src_id INTEGER NOT NULL,
        dst_id INTEGER NOT NULL,
        amt DOUBLE NOT NULL,
        txn_id VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        origin_line BIGINT NOT NULL,
        reliability VARCHAR,
        credibility INTEGER
    )""",
    """CREATE TABLE trace_index_state (
        signature VARCHAR NOT NULL,
        edges BIGINT NOT NULL,
        built_at TIMESTAMP NOT NULL
    )""",
]
