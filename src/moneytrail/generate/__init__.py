"""generate stage: synthetic cases with a planted financing network, laundering typologies and truth."""

from moneytrail.generate.case import generate_case
from moneytrail.generate.config import TYPOLOGIES, GenerateConfig

__all__ = ["TYPOLOGIES", "GenerateConfig", "generate_case"]
