"""Lean transaction rows: the file and the ingest of a transaction are named once, in ``ingest_log``.

Every row used to repeat its ingest's id and file name as text. Writing a constant text column costs the
engine about as much per row as parsing a field (a fifth of a second per column on 5M rows), so rows
now carry ``ingest_no``, a small integer naming their ``ingest_log`` row, which has the file, its hash
and the ingest id. ``source_id`` stays on the row: a row may cite its own source.
"""

VERSION = 6
NAME = "lean transactions"

STATEMENTS = [
    "ALTER TABLE ingest_log ADD COLUMN ingest_no INTEGER",
    "UPDATE ingest_log SET ingest_no = n.no FROM (SELECT ingest_id, "
    "row_number() OVER (ORDER BY started_at, ingest_id) AS no FROM ingest_log) n "
    "WHERE ingest_log.ingest_id = n.ingest_id",
    "ALTER TABLE transactions ADD COLUMN ingest_no INTEGER",
    "UPDATE transactions SET ingest_no = l.ingest_no FROM ingest_log l WHERE l.ingest_id = transactions.ingest_id",
    "ALTER TABLE transactions DROP COLUMN origin_file",
    "ALTER TABLE transactions DROP COLUMN ingest_id",
]
