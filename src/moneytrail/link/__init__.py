"""link stage: do payments to an actor follow its events (a fixed price per casualty, a bounty)?"""

from moneytrail.link.bounty import DEFAULTS, LinkResult, link_actor

__all__ = ["DEFAULTS", "LinkResult", "link_actor"]
