"""Foundation tables: provenance, accounts, transactions, events, quarantine, ingest log, findings.

Deliberately no PRIMARY KEY on the large tables (transactions, statements): DuckDB's ART index
would slow bulk ingest several-fold; idempotence comes from the file content hash in ingest_log.
"""

VERSION = 1
NAME = "foundation"

STATEMENTS = [
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    # A dataset, file, document or list, with its Admiralty grade.
    """CREATE TABLE sources (
        source_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        title VARCHAR,
        publisher VARCHAR,
        url VARCHAR,
        path VARCHAR,
        content_hash VARCHAR,
        published_at TIMESTAMP,
        retrieved_at TIMESTAMP,
        reliability VARCHAR NOT NULL,
        credibility INTEGER NOT NULL,
        notes VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    # "source_id cites cited_source_id": the edges of attribution chains.
    """CREATE TABLE source_citations (
        source_id VARCHAR NOT NULL,
        cited_source_id VARCHAR NOT NULL,
        relation VARCHAR NOT NULL DEFAULT 'cites',
        PRIMARY KEY (source_id, cited_source_id)
    )""",
    # The FtM statement model; statement_id is deterministic (model.ids.statement_id).
    """CREATE TABLE statements (
        statement_id VARCHAR NOT NULL,
        entity_id VARCHAR NOT NULL,
        schema VARCHAR NOT NULL,
        prop VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        reliability VARCHAR,
        credibility INTEGER,
        origin_file VARCHAR,
        origin_line BIGINT,
        first_seen TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE accounts (
        account_key VARCHAR PRIMARY KEY,
        bank_id VARCHAR,
        account_id VARCHAR NOT NULL,
        holder_entity_id VARCHAR,
        account_entity_id VARCHAR,
        iban VARCHAR,
        country VARCHAR,
        currency VARCHAR,
        source_id VARCHAR
    )""",
    # Timestamps are UTC. amount_rc is in the case's reporting currency (meta.reporting_currency).
    """CREATE TABLE transactions (
        txn_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        from_account VARCHAR NOT NULL,
        to_account VARCHAR NOT NULL,
        amount DOUBLE NOT NULL,
        currency VARCHAR NOT NULL,
        amount_paid DOUBLE,
        currency_paid VARCHAR,
        amount_rc DOUBLE,
        channel VARCHAR,
        source_id VARCHAR NOT NULL,
        origin_file VARCHAR,
        origin_line BIGINT,
        label INTEGER,
        label_typology VARCHAR,
        reliability VARCHAR,
        credibility INTEGER,
        ingest_id VARCHAR
    )""",
    """CREATE TABLE events (
        event_id VARCHAR NOT NULL,
        event_date DATE,
        date_precision VARCHAR,
        event_type VARCHAR,
        sub_event_type VARCHAR,
        actor1 VARCHAR,
        assoc_actor_1 VARCHAR,
        actor2 VARCHAR,
        assoc_actor_2 VARCHAR,
        country VARCHAR,
        admin1 VARCHAR,
        location VARCHAR,
        latitude DOUBLE,
        longitude DOUBLE,
        fatalities INTEGER,
        wounded INTEGER,
        notes VARCHAR,
        event_source VARCHAR,
        source_id VARCHAR NOT NULL,
        origin_file VARCHAR,
        origin_line BIGINT,
        reliability VARCHAR,
        credibility INTEGER,
        ingest_id VARCHAR
    )""",
    """CREATE TABLE quarantine (
        ingest_id VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        raw VARCHAR,
        reason VARCHAR NOT NULL,
        quarantined_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE ingest_log (
        ingest_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        file_hash VARCHAR NOT NULL,
        preset VARCHAR,
        source_id VARCHAR,
        rows_read BIGINT NOT NULL,
        rows_stored BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        seconds DOUBLE NOT NULL,
        details VARCHAR
    )""",
    # Ground truth from labelled data (AMLworld attempts, AMLSim alerts, generator truth).
    """CREATE TABLE truth_attempts (
        attempt_id VARCHAR PRIMARY KEY,
        typology VARCHAR NOT NULL,
        detail VARCHAR,
        source_id VARCHAR,
        origin_file VARCHAR,
        origin_line BIGINT
    )""",
    # entity_id -> canonical entity, written by resolution; empty until resolution runs. Every stage
    # reads holders through store.entities.account_holders_sql(), so it sees resolved ids once they exist.
    """CREATE TABLE entity_canonical (
        entity_id VARCHAR PRIMARY KEY,
        canonical_id VARCHAR NOT NULL
    )""",
    """CREATE TABLE truth_transactions (attempt_id VARCHAR NOT NULL, txn_id VARCHAR NOT NULL)""",
    # Results of every stage. params/details are JSON text (portable to Spark).
    """CREATE TABLE findings (
        finding_id VARCHAR PRIMARY KEY,
        run_id VARCHAR,
        kind VARCHAR NOT NULL,
        typology VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        explanation VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        start_ts TIMESTAMP,
        end_ts TIMESTAMP,
        amount DOUBLE,
        currency VARCHAR,
        reliability VARCHAR,
        credibility INTEGER,
        wording VARCHAR,
        params VARCHAR NOT NULL,
        query VARCHAR NOT NULL,
        input_hash VARCHAR NOT NULL,
        details VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE finding_refs (
        finding_id VARCHAR NOT NULL,
        ref_kind VARCHAR NOT NULL,
        ref_id VARCHAR NOT NULL,
        role VARCHAR NOT NULL DEFAULT ''
    )""",
]
