"""The evidence beyond names on every scored pair, for clustering.

``support`` is the sum of a pair's positive contributions from evidence other than its names
(identifiers, birth date, country, address), in bits. Clustering lets a contradiction between two
clusters (similar names, contradicting identifiers or birth dates) give way only to a join whose
strongest pair has more such support than the contradiction weighs: names alone never outweigh it,
since the namesakes it guards against share their names. Null on pairs scored before this column.
"""

VERSION = 13
NAME = "resolve_support"

STATEMENTS = [
    "ALTER TABLE resolve_pairs ADD COLUMN support DOUBLE",
]
