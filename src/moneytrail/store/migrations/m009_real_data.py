"""Real data in, nothing lost (issue 15).

- ``transactions.memo``: the purpose, reference or memo text of a bank row, stored with it (searchable).
- ``ingest_log.mapping_hash``: an ingest is identified by the file's content hash plus the mapping that
  read it, so a corrected mapping may read the same file again.
- ``findings.stale_reason``: why a finding no longer stands (the rows it rests on were retracted by
  ``ingest undo``); NULL while it stands.
- ``entity_meta``: an FtM entity's metadata that is not a property (OpenSanctions ``caption``,
  ``datasets``, ``referents``, ``first_seen``, ``last_seen``, ``last_change``, ``target``), per ingest.
- ``quarantined_values``: FtM property values that are not valid for their type, quarantined one by one;
  the entity and its valid values are kept.
- ``memo_mentions``: known entity names found in a transaction's memo text (leads, not links).
"""

VERSION = 9
NAME = "real data"

STATEMENTS = [
    "ALTER TABLE transactions ADD COLUMN memo VARCHAR",
    "ALTER TABLE ingest_log ADD COLUMN mapping_hash VARCHAR",
    "ALTER TABLE findings ADD COLUMN stale_reason VARCHAR",
    """CREATE TABLE entity_meta (
        entity_id VARCHAR NOT NULL,
        caption VARCHAR,
        datasets VARCHAR,
        referents VARCHAR,
        first_seen VARCHAR,
        last_seen VARCHAR,
        last_change VARCHAR,
        target BOOLEAN,
        source_id VARCHAR NOT NULL,
        origin_line BIGINT,
        ingest_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE quarantined_values (
        ingest_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        entity_id VARCHAR NOT NULL,
        schema VARCHAR,
        prop VARCHAR NOT NULL,
        value VARCHAR,
        reason VARCHAR NOT NULL
    )""",
    """CREATE TABLE memo_mentions (
        txn_id VARCHAR NOT NULL,
        ingest_no INTEGER NOT NULL,
        entity_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL
    )""",
]
