"""Column mappings for transaction files: presets, and user mappings from TOML/YAML files or flags.

A mapping names, for each transaction field, the source column that holds it (a list gives aliases,
tried in order; header names match case-insensitively), and how to read the text: delimiter, quote,
encoding, decimal and thousands separators, date formats, time zone, time steps, direction, a
single-account statement's own account, counterpart kinds and channel names. The reference is
``docs/mapping.md``; a bank export, for example::

    delimiter = ";"
    decimal = ","
    thousands = "."
    timestamp_formats = ["%d.%m.%Y"]
    default_currency = "EUR"
    positional_ids = true
    [statement]
    account = "DE89370400440532013000"
    [direction]
    column = "S/H"
    debit = ["S"]
    credit = ["H"]
    [columns]
    timestamp = ["Buchungstag", "Booking date"]
    amount = "Betrag"
    counterparty = "IBAN"
    memo = "Verwendungszweck"
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from moneytrail.ingest.result import IngestError

FIELDS = ("txn_id", "timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount", "currency",
          "amount_paid", "currency_paid", "channel", "source_ref", "label", "label_typology", "memo",
          # single-account statements: the file's own account (and bank), the other side, the direction
          # (debit/credit values) and the kind of a leg without counterparty (cash, fees, interest)
          "account", "bank", "counterparty", "counterparty_bank", "direction", "kind")
STEP_UNITS = ("seconds", "minutes", "hours", "days")
COUNTERPART_KINDS = ("cash", "fees", "interest", "other")
ISO_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%fZ",
               "%Y-%m-%d %H:%M", "%Y-%m-%d")

# AMLworld's currency names -> ISO 4217 style codes (BTC for Bitcoin).
AMLWORLD_CURRENCIES = {
    "US Dollar": "USD", "Euro": "EUR", "Yuan": "CNY", "Bitcoin": "BTC", "Yen": "JPY", "UK Pound": "GBP",
    "Rupee": "INR", "Ruble": "RUB", "Swiss Franc": "CHF", "Australian Dollar": "AUD", "Canadian Dollar": "CAD",
    "Brazil Real": "BRL", "Mexican Peso": "MXN", "Saudi Riyal": "SAR", "Shekel": "ILS",
}
AMLSIM_BASE_DATE = "2017-01-01"  # AMLSim time steps are days after this date (documented choice)


@dataclass(frozen=True)
class Mapping:
    name: str
    columns: dict[str, str]
    delimiter: str = ","
    timestamp_formats: tuple[str, ...] = ISO_FORMATS
    step_base_date: str | None = None      # timestamps are integer day steps after this date
    currency_names: dict[str, str] = field(default_factory=dict)
    default_currency: str | None = None    # when no currency column; None = the case's reporting currency
    default_bank: str | None = None        # bank id when the file has no bank columns
    # AMLworld and AMLSim samples have no ids: txn_id = "<file hash prefix>:<line>" (cheap and unique;
    # the patterns ingest links its rows to these by content).
    positional_ids: bool = False
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> other header names
    quote: str = '"'
    encoding: str | None = None            # None: detect (ingest.encoding)
    decimal: str = "."
    thousands: str | None = None
    timezone: str | None = None            # timestamps are local time there; stored as UTC
    step_unit: str = "days"                # unit of integer time steps after step_base_date
    own_account: str | None = None         # a statement's own account, given once
    debit_values: tuple[str, ...] = ()     # values of the direction column: money leaves the own account
    credit_values: tuple[str, ...] = ()    # ... money arrives
    kind_columns: tuple[str, ...] = ()     # columns whose values name a counterpart kind, tried in order
    kind_values: dict[str, str] = field(default_factory=dict)   # value -> cash | fees | interest | other
    channel_names: dict[str, str] = field(default_factory=dict)  # channel value -> channel
    currency_required: bool = False        # no currency column: the currency must be stated

    @property
    def statement(self) -> bool:
        """A single-account statement: one own account, the other side from a column or a counterpart."""
        return self.own_account is not None or "account" in self.columns

    @property
    def required_columns(self) -> list[str]:
        needed = ["timestamp", "amount"] + ([] if self.statement else ["from_account", "to_account"])
        if not self.positional_ids:
            needed.append("txn_id")
        return [self.columns[f] for f in needed if f in self.columns]

    def check(self) -> None:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise IngestError(f"mapping {self.name}: unknown fields {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        needed = ("timestamp", "amount") if self.statement else ("timestamp", "from_account", "to_account", "amount")
        for name in needed:
            if name not in self.columns:
                hint = ("; a single-account statement gives [statement] account = ... or an account column"
                        if name in ("from_account", "to_account") else "")
                raise IngestError(f"mapping {self.name}: no column given for required field {name!r}{hint}")
        if "txn_id" not in self.columns and not self.positional_ids:
            raise IngestError(f"mapping {self.name}: no txn_id column; set positional_ids = true to derive ids")
        if self.step_unit not in STEP_UNITS:
            raise IngestError(f"mapping {self.name}: step_unit {self.step_unit!r}; known: {', '.join(STEP_UNITS)}")
        if "direction" in self.columns and not (self.debit_values and self.credit_values):
            raise IngestError(f"mapping {self.name}: a direction column needs its debit and credit values")
        bad_kinds = sorted(set(self.kind_values.values()) - set(COUNTERPART_KINDS))
        if bad_kinds:
            raise IngestError(f"mapping {self.name}: counterpart kinds {', '.join(bad_kinds)}; known: "
                              f"{', '.join(COUNTERPART_KINDS)}")
        if self.currency_required and "currency" not in self.columns and not self.default_currency:
            raise IngestError(f"mapping {self.name}: the file names no currency; state it (default_currency = "
                              "\"XXX\" in the mapping, or --currency XXX)")
        if len(self.quote) != 1 or len(self.delimiter) != 1 or self.quote == self.delimiter:
            raise IngestError(f"mapping {self.name}: delimiter {self.delimiter!r} and quote {self.quote!r} must be "
                              "single, different characters")
        if self.decimal == self.thousands:
            raise IngestError(f"mapping {self.name}: decimal and thousands separators are both {self.decimal!r}")

    def resolved(self, header: list[str]) -> Mapping:
        """The mapping with each field's column spelled as in ``header``: exact name first, then the
        name and its aliases case-insensitively. Fields whose column is absent keep their name, so the
        reader reports it missing."""
        lower: dict[str, str] = {}
        for name in header:
            lower.setdefault(name.strip().lower(), name)
        columns = {}
        for f, name in self.columns.items():
            found = name if name in header else None
            for candidate in (name, *self.aliases.get(f, ())):
                if found is None:
                    found = lower.get(candidate.strip().lower())
            columns[f] = found or name
        kind_columns = tuple(lower.get(c.strip().lower(), c) for c in self.kind_columns)
        return replace(self, columns=columns, kind_columns=kind_columns)

    def fingerprint(self) -> str:
        """A hash of everything that changes how a file is read: part of an ingest's identity, so a
        corrected mapping may read the same file again."""
        data = asdict(self) | {"name": None}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=list).encode()).hexdigest()[:16]


# Machine-written formats are UTF-8 by definition: no detection, a stray byte is quarantined with its line.
NATIVE = Mapping("native", {f: f for f in ("txn_id", "from_bank", "from_account", "to_bank", "to_account", "amount",
                                             "currency", "channel", "source_ref")} | {"timestamp": "timestamp"},
                 encoding="utf-8")
AMLWORLD = Mapping(
    "amlworld",
    {"timestamp": "Timestamp", "from_bank": "From Bank", "from_account": "Account", "to_bank": "To Bank",
     "to_account": "Account.1", "amount": "Amount Received", "currency": "Receiving Currency",
     "amount_paid": "Amount Paid", "currency_paid": "Payment Currency", "channel": "Payment Format",
     "label": "Is Laundering"},
    timestamp_formats=("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"), currency_names=AMLWORLD_CURRENCIES, positional_ids=True,
    encoding="utf-8")
AMLSIM_SAMPLE = Mapping("amlsim", {"from_account": "sourceNodeId", "to_account": "targetNodeId", "amount": "value",
                                   "timestamp": "time"},
                        step_base_date=AMLSIM_BASE_DATE, default_bank="amlsim", positional_ids=True, encoding="utf-8")
AMLSIM_FULL = Mapping("amlsim", {"txn_id": "tran_id", "from_account": "orig_acct", "to_account": "bene_acct",
                                 "channel": "tx_type", "amount": "base_amt", "timestamp": "tran_timestamp",
                                 "label": "is_sar"}, step_base_date=AMLSIM_BASE_DATE, default_bank="amlsim",
                       encoding="utf-8")

PRESETS = {"native": NATIVE, "amlworld": AMLWORLD, "amlsim": AMLSIM_FULL}


def read_mapping_file(p: Path) -> Any:
    """The parsed content of a TOML (by suffix) or YAML mapping file; errors name the file."""
    try:
        text = p.read_text(encoding="utf-8")
        return tomllib.loads(text) if p.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise IngestError(f"{p}: cannot read mapping: {exc}") from exc


def load_mapping(path: Path | str) -> Mapping:
    """A mapping from a TOML or YAML file; errors name the file and what is wrong."""
    p = Path(path)
    data = read_mapping_file(p)
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise IngestError(f"{p}: a mapping needs a [columns] table of field = column")
    preset = str(data.get("preset", ""))
    if preset and preset not in PRESETS:
        raise IngestError(f"{p}: unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
    if not preset and "columns" not in data:
        raise IngestError(f"{p}: a mapping needs a [columns] table of field = column (or a preset)")
    base = PRESETS.get(preset)
    mapping = mapping_from_dict(data, name=str(p), base=base)
    mapping.check()
    return mapping


def _texts(value: Any) -> tuple[str, ...]:
    return (str(value),) if isinstance(value, (str, int, float)) else tuple(str(v) for v in value)


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise IngestError(f"mapping: [{key}] must be a table")
    return value


def mapping_from_dict(data: dict[str, Any], *, name: str, base: Mapping | None = None) -> Mapping:
    """Keys as documented in docs/mapping.md; ``base`` (a preset) supplies whatever is not given."""
    columns: dict[str, str] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    for key, value in _table(data, "columns").items():
        names = _texts(value)
        if not names:
            raise IngestError(f"mapping {name}: column for {key!r} is an empty list")
        columns[str(key)], aliases[str(key)] = names[0], names[1:]
    kwargs: dict[str, Any] = {"name": name, "columns": columns}
    if "delimiter" in data:
        kwargs["delimiter"] = "\t" if data["delimiter"] in ("\\t", "tab") else str(data["delimiter"])
    if "timestamp_formats" in data or "timestamp_format" in data:
        kwargs["timestamp_formats"] = _texts(data.get("timestamp_formats", data.get("timestamp_format")))
    for key in ("step_base_date", "default_currency", "default_bank", "quote", "encoding", "decimal", "thousands",
                "timezone", "step_unit"):
        if key in data:
            kwargs[key] = str(data[key])
    if "step_origin" in data:
        kwargs["step_base_date"] = str(data["step_origin"])
    if "currency" in data:
        kwargs["default_currency"] = str(data["currency"])
    for key in ("currency_names", "channel_names"):
        if key in data:
            kwargs[key] = {str(k): str(v) for k, v in _table(data, key).items()}
    if "channels" in data:
        kwargs["channel_names"] = {str(k): str(v) for k, v in _table(data, "channels").items()}
    if "positional_ids" in data:
        kwargs["positional_ids"] = bool(data["positional_ids"])
    statement = _table(data, "statement")
    if "account" in statement:
        kwargs["own_account"] = str(statement["account"])
    if "bank" in statement:
        kwargs["default_bank"] = str(statement["bank"])
    direction = _table(data, "direction")
    if direction:
        if "column" in direction:
            columns["direction"] = str(direction["column"])
        kwargs["debit_values"] = _texts(direction.get("debit", ()))
        kwargs["credit_values"] = _texts(direction.get("credit", ()))
    counterparts = _table(data, "counterparts")
    if counterparts:
        kwargs["kind_columns"] = _texts(counterparts.get("columns", counterparts.get("column", ())))
        kinds: dict[str, str] = {}
        for kind, values in _table(counterparts, "kinds").items():
            kinds |= {v: str(kind) for v in _texts(values)}
        kwargs["kind_values"] = kinds
    if aliases:
        kwargs["aliases"] = {k: v for k, v in aliases.items() if v}
    if base is not None:
        merged = {**kwargs, "columns": base.columns | columns,
                  "aliases": base.aliases | kwargs.get("aliases", {})}
        return replace(base, **merged)
    return Mapping(**kwargs)


def mapping_from_flags(columns: list[str], *, delimiter: str | None = None, base: Mapping | None = None,
                       currency: str | None = None) -> Mapping:
    """``--column field=COLUMN`` flags (and ``--delimiter``, ``--currency``), optionally on top of a preset."""
    parsed: dict[str, str] = {}
    for item in columns:
        if "=" not in item:
            raise IngestError(f"column {item!r}: expected FIELD=COLUMN, e.g. amount=Amount")
        key, value = item.split("=", 1)
        parsed[key.strip()] = value.strip()
    data: dict[str, Any] = {"columns": parsed}
    if delimiter:
        data["delimiter"] = delimiter
    if currency:
        data["currency"] = currency
    mapping = mapping_from_dict(data, name="flags" if base is None else base.name, base=base)
    mapping.check()
    return mapping


# Presets for real formats (bank statements, PaySim, Berka, FtM Payments) live beside this module.
from moneytrail.ingest import bank_presets  # noqa: E402  (they build on Mapping above)

PRESETS.update(bank_presets.BANK_PRESETS)
