"""moneytrail: an engine for follow-the-money investigations."""

__version__ = "0.1.0"
