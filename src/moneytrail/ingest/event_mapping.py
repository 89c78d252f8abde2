"""Mappings for event files (ACLED, GTD): which column holds each field, the delimiter, the encoding
and ACLED's date formats. Header names match case-insensitively, so ACLED's older upper-case exports
(``EVENT_ID_CNTY``) read like the current ones; the presets carry the aliases between the two header
sets (``ALLY_ACTOR_1`` is today's ``assoc_actor_1``). A mapping file (TOML or YAML)::

    format = "acled"
    delimiter = ","
    encoding = "cp1252"          # default: detect
    date_formats = ["%d/%m/%Y"]  # tried before the preset's
    [columns]
    event_id_cnty = "ID"         # field = column, or a list of aliases
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from moneytrail.ingest.mapping import read_mapping_file
from moneytrail.ingest.result import IngestError

# Canonical field -> other header names it has had (older ACLED exports; GTD variants).
ACLED_ALIASES = {"assoc_actor_1": ("ally_actor_1",), "assoc_actor_2": ("ally_actor_2",),
                 "event_id_cnty": ("event_id",), "source": ("sources",),
                 "admin1": ("adm_level_1",), "admin2": ("adm_level_2",), "admin3": ("adm_level_3",)}
GTD_ALIASES = {"eventid": ("event_id",)}
REQUIRED = {"acled": ("event_id_cnty", "event_date"), "gtd": ("eventid", "iyear", "imonth", "iday")}


@dataclass(frozen=True)
class EventMapping:
    fmt: str                                   # acled | gtd
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> header names, in order
    delimiter: str = ","
    encoding: str | None = None                # None: detect
    date_formats: tuple[str, ...] = ()

    def resolve(self, header: list[str], path: Path) -> dict[str, str]:
        """Canonical field -> the header name holding it: the mapping's names, then the field's own name,
        then the preset's aliases, all case-insensitive; every other header column under its lower-cased
        name. Errors name the file, line 1 and the missing fields."""
        lower: dict[str, str] = {}
        for name in header:
            lower.setdefault(name.strip().lstrip("\ufeff").lower(), name)
        out = dict(lower)
        aliases = ACLED_ALIASES if self.fmt == "acled" else GTD_ALIASES
        for canonical in {*aliases, *self.columns}:
            for candidate in (*self.columns.get(canonical, ()), canonical, *aliases.get(canonical, ())):
                if candidate.strip().lower() in lower:
                    out[canonical] = lower[candidate.strip().lower()]
                    break
        missing = [f for f in REQUIRED[self.fmt] if f not in out]
        if missing:
            raise IngestError(f"{path}: line 1: missing columns {', '.join(missing)} for {self.fmt} "
                              f"(header has {', '.join(header)}); map them in an event mapping's [columns]")
        return out


PRESETS = {"acled": EventMapping("acled"), "gtd": EventMapping("gtd")}


def load_event_mapping(path: Path | str, fmt: str | None = None) -> EventMapping:
    p = Path(path)
    data = read_mapping_file(p)
    if not isinstance(data, dict):
        raise IngestError(f"{p}: an event mapping is a table of keys (format, delimiter, encoding, [columns])")
    kind = str(data.get("format", data.get("preset", fmt or "acled")))
    if kind not in REQUIRED:
        raise IngestError(f"{p}: unknown event format {kind!r}; known: acled, gtd")
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise IngestError(f"{p}: [columns] must be a table of field = column")
    dates = data.get("date_formats", ())
    return EventMapping(
        fmt=kind,
        columns={str(k): (v,) if isinstance(v, str) else tuple(str(x) for x in v) for k, v in columns.items()},
        delimiter="\t" if data.get("delimiter") in ("\\t", "tab") else str(data.get("delimiter", ",")),
        encoding=str(data["encoding"]) if "encoding" in data else None,
        date_formats=(dates,) if isinstance(dates, str) else tuple(str(d) for d in dates))
