"""Person-name levels by kind of agreement: two more level columns on every scored pair.

A person pair's name level now sits in the column of its kind (``resolve.name_kinds``):
``person_name`` (both names with their vowels, no initial), ``person_name_unvowelled`` (one name in
a script without short vowels) or ``person_name_initials`` (a name with an initial). Pairs stored
before keep theirs in ``person_name``, scored by a model of the old levels; a run with a model of
these levels scores every pair again (``resolve.pipeline``), so the two never mix.
"""

VERSION = 17
NAME = "resolve_name_kinds"

STATEMENTS = [f"ALTER TABLE resolve_pairs ADD COLUMN {column} INTEGER"
              for column in ("person_name_unvowelled", "person_name_initials")]
