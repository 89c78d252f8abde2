"""Identifier checksums: IBAN, BIC, LEI, INN, OGRN, IMO... checked with ``rigour.ids`` (python-stdnum
underneath), once per distinct (format, value).

An identifier that fails its checksum is mistyped, truncated or invented: equal values still
point at one party, but less strongly, and two different values of which one is broken do not
contradict each other (the broken one may be the other mistyped). ``resolve.comparisons`` reads the
``checksum`` column this module fills: 'valid', 'invalid', or null where no checksum exists.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from rigour.ids import get_identifier_format

from moneytrail.model.properties import identifier_formats

VALID, INVALID = "valid", "invalid"


def checksum_status(fmt: str, value: str) -> str | None:
    """'valid' or 'invalid' for a value of an identifier format rigour can check, else None."""
    try:
        spec = get_identifier_format(fmt)
    except (KeyError, ValueError):
        return None
    if spec is None:
        return None
    return VALID if spec.is_valid(value) else INVALID


def checksums(props: pa.Table) -> pa.Array:
    """The checksum status of every (prop, value) row: computed per distinct value, taken back in
    Arrow (values repeat across sources and records)."""
    formats = identifier_formats()
    fmt = pc.take(pa.array(list(formats.values()), pa.string()),
                  pc.index_in(props.column("prop"), value_set=pa.array(list(formats), pa.string())))
    key = pc.binary_join_element_wise(fmt, props.column("value"), "\x1f")
    distinct = pc.unique(pc.drop_null(key)).to_pylist()
    status = [checksum_status(*item.split("\x1f", 1)) for item in distinct]
    return pc.take(pa.array(status, pa.string()), pc.index_in(key, value_set=pa.array(distinct, pa.string())))
