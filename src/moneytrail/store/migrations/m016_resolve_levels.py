"""Scored pairs keep their comparison levels; explanations are built when asked for.

A resolution run stores millions of pairs, and writing each one's explanation as JSON text cost more
than computing everything else about it. Each pair now keeps what its explanation is rebuilt from
(``resolve.explain``): the level of every comparison, the name frequencies the term-frequency rule
reads and that rule's weight. ``explanation`` stays for pairs stored with one (earlier runs) and may
now be null.
"""

VERSION = 16
NAME = "resolve_levels"

STATEMENTS = [
    "ALTER TABLE resolve_pairs ALTER COLUMN explanation DROP NOT NULL",
    *(f"ALTER TABLE resolve_pairs ADD COLUMN {column} INTEGER"
      for column in ("person_name", "org_name", "identifier", "birth_date", "country", "address", "address_number")),
    *(f"ALTER TABLE resolve_pairs ADD COLUMN {column} BIGINT" for column in ("key_freq", "name_key_freq", "name_freq")),
    "ALTER TABLE resolve_pairs ADD COLUMN w_tf DOUBLE",
]
