"""Column mappings for transaction files: presets, and user mappings from TOML/YAML files or flags.

A mapping names, for each transaction field, the source column that holds it. A mapping file::

    delimiter = ";"
    timestamp_formats = ["%d.%m.%Y %H:%M"]
    default_currency = "EUR"
    [columns]
    txn_id = "Reference"
    timestamp = "Booked"
    from_account = "Debtor IBAN"
    to_account = "Creditor IBAN"
    amount = "Amount"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from moneytrail.ingest.result import IngestError

FIELDS = ("txn_id", "timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount", "currency",
          "amount_paid", "currency_paid", "channel", "source_ref", "label", "label_typology")
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

    @property
    def required_columns(self) -> list[str]:
        needed = ["timestamp", "from_account", "to_account", "amount"]
        if not self.positional_ids:
            needed.append("txn_id")
        return [self.columns[f] for f in needed if f in self.columns]

    def check(self) -> None:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise IngestError(f"mapping {self.name}: unknown fields {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        for needed in ("timestamp", "from_account", "to_account", "amount"):
            if needed not in self.columns:
                raise IngestError(f"mapping {self.name}: no column given for required field {needed!r}")
        if "txn_id" not in self.columns and not self.positional_ids:
            raise IngestError(f"mapping {self.name}: no txn_id column; set positional_ids = true to derive ids")


NATIVE = Mapping("native", {f: f for f in ("txn_id", "from_bank", "from_account", "to_bank", "to_account", "amount",
                                             "currency", "channel", "source_ref")} | {"timestamp": "timestamp"})
AMLWORLD = Mapping(
    "amlworld",
    {"timestamp": "Timestamp", "from_bank": "From Bank", "from_account": "Account", "to_bank": "To Bank",
     "to_account": "Account.1", "amount": "Amount Received", "currency": "Receiving Currency",
     "amount_paid": "Amount Paid", "currency_paid": "Payment Currency", "channel": "Payment Format",
     "label": "Is Laundering"},
    timestamp_formats=("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"), currency_names=AMLWORLD_CURRENCIES, positional_ids=True)
AMLSIM_SAMPLE = Mapping("amlsim", {"from_account": "sourceNodeId", "to_account": "targetNodeId", "amount": "value",
                                   "timestamp": "time"},
                        step_base_date=AMLSIM_BASE_DATE, default_bank="amlsim", positional_ids=True)
AMLSIM_FULL = Mapping("amlsim", {"txn_id": "tran_id", "from_account": "orig_acct", "to_account": "bene_acct",
                                 "channel": "tx_type", "amount": "base_amt", "timestamp": "tran_timestamp",
                                 "label": "is_sar"}, step_base_date=AMLSIM_BASE_DATE, default_bank="amlsim")

PRESETS = {"native": NATIVE, "amlworld": AMLWORLD, "amlsim": AMLSIM_FULL}


def load_mapping(path: Path | str) -> Mapping:
    """A mapping from a TOML or YAML file; errors name the file and what is wrong."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        data: Any = tomllib.loads(text) if p.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise IngestError(f"{p}: cannot read mapping: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise IngestError(f"{p}: a mapping needs a [columns] table of field = column")
    base = PRESETS.get(str(data.get("preset", "")))
    mapping = mapping_from_dict(data, name=str(p), base=base)
    mapping.check()
    return mapping


def mapping_from_dict(data: dict[str, Any], *, name: str, base: Mapping | None = None) -> Mapping:
    kwargs: dict[str, Any] = {"name": name, "columns": {str(k): str(v) for k, v in data["columns"].items()}}
    if "delimiter" in data:
        kwargs["delimiter"] = "\t" if data["delimiter"] in ("\\t", "tab") else str(data["delimiter"])
    if "timestamp_formats" in data or "timestamp_format" in data:
        formats: Any = data.get("timestamp_formats", data.get("timestamp_format"))
        kwargs["timestamp_formats"] = (formats,) if isinstance(formats, str) else tuple(str(f) for f in formats)
    for key in ("step_base_date", "default_currency", "default_bank"):
        if key in data:
            kwargs[key] = str(data[key])
    if "currency_names" in data:
        kwargs["currency_names"] = {str(k): str(v) for k, v in data["currency_names"].items()}
    if "positional_ids" in data:
        kwargs["positional_ids"] = bool(data["positional_ids"])
    if base is not None:
        return replace(base, **{**kwargs, "columns": base.columns | kwargs["columns"]})
    return Mapping(**kwargs)


def mapping_from_flags(columns: list[str], *, delimiter: str | None = None, base: Mapping | None = None) -> Mapping:
    """``--column field=COLUMN`` flags, optionally on top of a preset."""
    parsed: dict[str, str] = {}
    for item in columns:
        if "=" not in item:
            raise IngestError(f"column {item!r}: expected FIELD=COLUMN, e.g. amount=Amount")
        key, value = item.split("=", 1)
        parsed[key.strip()] = value.strip()
    data: dict[str, Any] = {"columns": parsed}
    if delimiter:
        data["delimiter"] = delimiter
    mapping = mapping_from_dict(data, name="flags", base=base)
    mapping.check()
    return mapping
