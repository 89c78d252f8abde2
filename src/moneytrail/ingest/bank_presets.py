"""Presets for real transaction formats: a generic single-account bank statement, PaySim and the
Berka (PKDD'99 Czech bank) ``trans.asc``. FtM Payments go through the entities ingest (``preset=ftm``),
which reads ``amount``, ``amountEur`` and ``amountUsd``.

Each is a ``Mapping`` (``ingest.mapping``); a mapping file may start from one with ``preset = "..."`` and
override any key. Documented in docs/mapping.md.
"""

from __future__ import annotations

from moneytrail.ingest.mapping import Mapping

# Header names seen in German and English online-banking CSV exports (matched case-insensitively).
BANK_STATEMENT = Mapping(
    "bank-statement",
    {"timestamp": "Buchungstag", "amount": "Betrag", "account": "Auftragskonto", "counterparty": "IBAN",
     "counterparty_bank": "BIC", "memo": "Verwendungszweck", "currency": "Währung", "direction": "Soll/Haben",
     "channel": "Buchungstext"},
    aliases={"timestamp": ("Booking date", "Buchungsdatum", "Datum", "Date", "Valutadatum", "Value date"),
             "amount": ("Amount", "Umsatz", "Betrag (EUR)"),
             "account": ("Account", "Konto", "Own account", "Kontonummer"),
             "counterparty": ("Counterparty IBAN", "IBAN Zahlungsbeteiligter", "Empfänger IBAN",
                              "Kontonummer/IBAN", "Counterparty account"),
             "counterparty_bank": ("BIC Zahlungsbeteiligter", "BIC (SWIFT-Code)", "Counterparty BIC"),
             "memo": ("Purpose", "Description", "Reference", "Beschreibung", "Buchungsdetails"),
             "currency": ("Waehrung", "Currency"),
             "direction": ("S/H", "Debit/Credit", "Soll-Haben"),
             "channel": ("Transaction type", "Umsatzart", "Vorgang")},
    delimiter=";", decimal=",", thousands=".",
    timestamp_formats=("%d.%m.%Y", "%d.%m.%y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d"),
    debit_values=("S", "Soll", "D", "DR", "Debit", "DBIT"), credit_values=("H", "Haben", "C", "CR", "Credit", "CRDT"),
    positional_ids=True,
    kind_columns=("Buchungstext",),
    kind_values={"Bargeldauszahlung": "cash", "Bargeldeinzahlung": "cash", "Auszahlung": "cash", "Cash": "cash",
                 "Entgelt": "fees", "Gebühren": "fees", "Kontoführung": "fees", "Fee": "fees", "Zinsen": "interest",
                 "Abschluss": "interest", "Interest": "interest"},
)

# PaySim (Lopez-Rojas et al.): step = hours of one simulated month; the amounts' currency is not named,
# so it must be stated. The origin is a documented choice (the simulation has no calendar date).
PAYSIM = Mapping(
    "paysim",
    {"timestamp": "step", "channel": "type", "amount": "amount", "from_account": "nameOrig",
     "to_account": "nameDest", "label": "isFraud"},
    timestamp_formats=(), step_base_date="2017-01-01", step_unit="hours", default_bank="paysim",
    positional_ids=True, currency_required=True,
)

# Berka trans.asc: one row per movement on the file's own account (account_id); type PRIJEM = credit,
# VYDAJ and VYBER = debit; bank/account name the other side of transfers; k_symbol and operation name
# interest (UROK, SANKC. UROK), fees (SLUZBY) and cash (VKLAD, VYBER, VYBER KARTOU) legs. Amounts in CZK.
BERKA = Mapping(
    "berka",
    {"txn_id": "trans_id", "account": "account_id", "timestamp": "date", "direction": "type", "amount": "amount",
     "counterparty": "account", "counterparty_bank": "bank", "channel": "operation"},
    delimiter=";", timestamp_formats=("%y%m%d",), default_currency="CZK", default_bank="berka",
    debit_values=("VYDAJ", "VYBER"), credit_values=("PRIJEM",),
    kind_columns=("k_symbol", "operation"),
    kind_values={"UROK": "interest", "SANKC. UROK": "interest", "SLUZBY": "fees", "VKLAD": "cash", "VYBER": "cash",
                 "VYBER KARTOU": "cash"},
    channel_names={"VKLAD": "cash", "VYBER": "cash", "VYBER KARTOU": "card", "PREVOD Z UCTU": "transfer",
                   "PREVOD NA UCET": "transfer"},
)

BANK_PRESETS: dict[str, Mapping] = {m.name: m for m in (BANK_STATEMENT, PAYSIM, BERKA)}
