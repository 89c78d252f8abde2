"""Trained resolution models, and the model version on every pair, cluster and run.

A model (``resolve.model.ResolveModel``) is stored whole as JSON: its comparisons and levels, the
m and u probabilities estimated by EM, the prior and how it was trained. ``model_id`` is a hash of
those parameters, so two runs with different models can be told apart on every row they wrote.
Identifier values carry their checksum status; judgements carry nomenklatura's user and score.
"""

VERSION = 11
NAME = "resolve_model"

STATEMENTS = [
    """CREATE TABLE resolve_models (
        model_id VARCHAR PRIMARY KEY,
        trained_at TIMESTAMP NOT NULL,
        origin VARCHAR NOT NULL,
        params VARCHAR NOT NULL
    )""",
    "ALTER TABLE resolve_pairs ADD COLUMN model_id VARCHAR",
    "ALTER TABLE resolve_runs ADD COLUMN model_id VARCHAR",
    "ALTER TABLE resolve_props ADD COLUMN checksum VARCHAR",
    "ALTER TABLE resolve_judgements ADD COLUMN judged_by VARCHAR",
    "ALTER TABLE resolve_judgements ADD COLUMN score DOUBLE",
    # One row per clustered record: its canonical id under which model (entity_canonical stays the
    # shared two-column view every stage reads).
    """CREATE TABLE resolve_clusters (
        entity_id VARCHAR NOT NULL,
        canonical_id VARCHAR NOT NULL,
        model_id VARCHAR,
        run_id VARCHAR NOT NULL
    )""",
]
