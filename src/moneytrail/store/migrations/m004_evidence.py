"""Evidence tables: documents, the mentions found in them, claims, and the original sources behind
each source (its attribution roots), plus views giving every row its effective Admiralty grade.

A row's own reliability/credibility overrides its source's; the ``*_grades`` views apply that rule so
no stage has to repeat it.
"""

VERSION = 4
NAME = "evidence"

STATEMENTS = [
    # One ingested document (text, Markdown, HTML or PDF) as plain text, so mentions can be quoted.
    """CREATE TABLE documents (
        document_id VARCHAR PRIMARY KEY,
        source_id VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        media_type VARCHAR NOT NULL,
        title VARCHAR,
        text VARCHAR NOT NULL,
        char_count BIGINT NOT NULL,
        has_text BOOLEAN NOT NULL,
        message VARCHAR,
        content_hash VARCHAR NOT NULL,
        ingest_id VARCHAR,
        ingested_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    # kind: entity | amount | date | country. value is the normalised reading (entity id, ISO date,
    # country code, amount as text); start_pos/end_pos are character offsets into documents.text.
    """CREATE TABLE mentions (
        mention_id VARCHAR PRIMARY KEY,
        document_id VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        value VARCHAR,
        entity_id VARCHAR,
        amount DOUBLE,
        currency VARCHAR,
        score DOUBLE,
        start_pos BIGINT NOT NULL,
        end_pos BIGINT NOT NULL
    )""",
    # subject-relation-object statements by a source. status: asserted (analyst file), extracted
    # (pattern match, pending review), confirmed or rejected (analyst decision on an extracted one).
    """CREATE TABLE claims (
        claim_id VARCHAR PRIMARY KEY,
        claim_key VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        relation VARCHAR NOT NULL,
        object VARCHAR NOT NULL,
        subject_entity_id VARCHAR,
        object_entity_id VARCHAR,
        claim_date DATE,
        amount DOUBLE,
        currency VARCHAR,
        source_id VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        reliability VARCHAR,
        credibility INTEGER,
        quote VARCHAR,
        document_id VARCHAR,
        start_pos BIGINT,
        end_pos BIGINT,
        origin_file VARCHAR,
        origin_line BIGINT,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    # The original sources behind each source, found by following source_citations to their roots;
    # a source that cites nothing is its own origin (depth 0). Rebuilt whenever citations change.
    """CREATE TABLE source_origins (
        source_id VARCHAR NOT NULL,
        origin_source_id VARCHAR NOT NULL,
        depth INTEGER NOT NULL,
        chain_reliability VARCHAR NOT NULL,
        chain_credibility INTEGER NOT NULL
    )""",
    """CREATE VIEW transaction_grades AS
        SELECT t.txn_id, t.source_id,
               coalesce(t.reliability, s.reliability) AS reliability,
               coalesce(t.credibility, s.credibility) AS credibility
        FROM transactions t LEFT JOIN sources s ON s.source_id = t.source_id""",
    """CREATE VIEW statement_grades AS
        SELECT st.statement_id, st.entity_id, st.source_id,
               coalesce(st.reliability, s.reliability) AS reliability,
               coalesce(st.credibility, s.credibility) AS credibility
        FROM statements st LEFT JOIN sources s ON s.source_id = st.source_id""",
    """CREATE VIEW event_grades AS
        SELECT e.event_id, e.source_id,
               coalesce(e.reliability, s.reliability) AS reliability,
               coalesce(e.credibility, s.credibility) AS credibility
        FROM events e LEFT JOIN sources s ON s.source_id = e.source_id""",
    """CREATE VIEW claim_grades AS
        SELECT c.claim_id, c.source_id,
               coalesce(c.reliability, s.reliability) AS reliability,
               coalesce(c.credibility, s.credibility) AS credibility
        FROM claims c LEFT JOIN sources s ON s.source_id = c.source_id""",
]
