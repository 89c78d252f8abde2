"""The Arabic-script keys of a case's person names, for the name level "identical in Arabic script"
(``resolve.model.ABJAD_LEVEL``): each distinct name written in Arabic by ICU (``person_names.abjad_keys``)."""

from __future__ import annotations

import pyarrow as pa

from moneytrail.engine import Engine
from moneytrail.resolve.features import PERSON_GROUP
from moneytrail.resolve.person_names import abjad_keys


def abjad_sql(names: str) -> str:
    """The distinct person names and their normalised forms, for their Arabic-script keys (``abjad_keys``)."""
    return f"SELECT DISTINCT name, norm FROM {names} WHERE grp = '{PERSON_GROUP}'"


def abjad_table(engine: Engine, names: tuple[str, ...]) -> pa.Table:
    """(name, akey, wkey, arabic) of the distinct person names of the ``names`` relations (``abjad_keys``)."""
    distinct = engine.query(" UNION ".join(abjad_sql(n) for n in dict.fromkeys(names)))
    akey, wkey, arabic = abjad_keys(distinct.column("name").combine_chunks(), distinct.column("norm").combine_chunks())
    return pa.table({"name": distinct.column("name"), "akey": akey, "wkey": wkey, "arabic": arabic})
