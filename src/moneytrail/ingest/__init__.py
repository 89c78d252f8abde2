"""The ingest stage: transactions, AMLworld patterns, FtM entities, events, accounts and rates into a case.

Every row read is stored or quarantined (file, line, reason); each file is one DB transaction and is
ingested once (content hash in ``ingest_log``).
"""

from moneytrail.ingest.accounts import ingest_accounts
from moneytrail.ingest.entities import ingest_entities
from moneytrail.ingest.events import ingest_events
from moneytrail.ingest.mapping import Mapping, load_mapping
from moneytrail.ingest.patterns import ingest_patterns
from moneytrail.ingest.rates import ingest_rates
from moneytrail.ingest.result import IngestError, IngestResult
from moneytrail.ingest.transactions import ingest_transactions

__all__ = ["IngestError", "IngestResult", "Mapping", "ingest_accounts", "ingest_entities", "ingest_events",
           "ingest_patterns", "ingest_rates", "ingest_transactions", "load_mapping"]
