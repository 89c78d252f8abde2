"""Resolution and screening: the records seen, their name and evidence features, scored pairs with
explanations, analyst judgements, runs, and sanctions/PEP screening matches.

No primary keys on the feature tables: they are bulk-loaded (one row per name or block key) and
DuckDB's ART index would slow that several-fold; runs replace rows per entity.
"""

VERSION = 3
NAME = "resolve"

STATEMENTS = [
    # Every party entity resolution has featurised, so a later run compares only newcomers.
    """CREATE TABLE resolve_records (
        entity_id VARCHAR NOT NULL,
        grp VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL
    )""",
    # Distinct names per entity, transliterated and normalised (model.names.normalize_name), with
    # the order-free token key and consonant-skeleton key that settle most comparisons in SQL.
    """CREATE TABLE resolve_names (
        entity_id VARCHAR NOT NULL,
        grp VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        norm VARCHAR NOT NULL,
        nkey VARCHAR NOT NULL,
        skey VARCHAR NOT NULL
    )""",
    # Blocking keys: two entities become a candidate pair when they share one.
    """CREATE TABLE resolve_keys (
        entity_id VARCHAR NOT NULL,
        grp VARCHAR NOT NULL,
        block_key VARCHAR NOT NULL
    )""",
    # Evidence values: identifiers, birth dates, countries, addresses, normalised.
    """CREATE TABLE resolve_props (
        entity_id VARCHAR NOT NULL,
        prop_class VARCHAR NOT NULL,
        value VARCHAR NOT NULL
    )""",
    # Scored pairs (left_id < right_id); explanation is JSON: matched values, rule and weight each.
    """CREATE TABLE resolve_pairs (
        left_id VARCHAR NOT NULL,
        right_id VARCHAR NOT NULL,
        grp VARCHAR NOT NULL,
        name_score DOUBLE NOT NULL,
        weight DOUBLE NOT NULL,
        probability DOUBLE NOT NULL,
        decision VARCHAR NOT NULL,
        left_name VARCHAR,
        right_name VARCHAR,
        explanation VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL
    )""",
    # Analyst judgements: positive merges, negative splits, unsure keeps the pair in review.
    """CREATE TABLE resolve_judgements (
        left_id VARCHAR NOT NULL,
        right_id VARCHAR NOT NULL,
        judgement VARCHAR NOT NULL,
        note VARCHAR,
        judged_at TIMESTAMP NOT NULL,
        PRIMARY KEY (left_id, right_id)
    )""",
    """CREATE TABLE resolve_runs (
        run_id VARCHAR PRIMARY KEY,
        mode VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        seconds DOUBLE NOT NULL,
        entities BIGINT NOT NULL,
        new_entities BIGINT NOT NULL,
        candidate_pairs BIGINT NOT NULL,
        matches BIGINT NOT NULL,
        review BIGINT NOT NULL,
        clusters BIGINT NOT NULL,
        params VARCHAR NOT NULL
    )""",
    """CREATE TABLE screen_matches (
        list_source_id VARCHAR NOT NULL,
        entity_id VARCHAR NOT NULL,
        list_entity_id VARCHAR NOT NULL,
        entity_name VARCHAR,
        list_name VARCHAR,
        probability DOUBLE NOT NULL,
        programme VARCHAR,
        reason VARCHAR,
        authority VARCHAR,
        explanation VARCHAR NOT NULL,
        finding_id VARCHAR,
        screened_at TIMESTAMP NOT NULL
    )""",
]
