"""Stage results: every finding says which stage made it, at which version, with which parameters, on
which version of the case's data.

``result_key`` names one stage result (stage, scope, parameters): a rerun with the same key replaces
it, other parameters add a result beside it. ``data_version`` is ``Case.data_version()`` when the
result was made; a result older than the case's data is stale (see ``store.findings``).
"""

VERSION = 7
NAME = "stage results"

STATEMENTS = [
    "ALTER TABLE findings ADD COLUMN stage VARCHAR",
    "ALTER TABLE findings ADD COLUMN stage_version INTEGER",
    "ALTER TABLE findings ADD COLUMN stage_params VARCHAR",
    "ALTER TABLE findings ADD COLUMN result_key VARCHAR",
    "ALTER TABLE findings ADD COLUMN data_version VARCHAR",
    # Results from before stages were stamped: their kind is their stage; their input hash is their version.
    "UPDATE findings SET stage = CASE kind WHEN 'typology' THEN 'detect' WHEN 'claim' THEN 'evidence' "
    "WHEN 'match' THEN 'resolve' ELSE kind END, stage_version = 0, stage_params = params, "
    "result_key = kind || ':' || typology, data_version = input_hash",
]
