"""``Engine.memory_cap``: a memory limit for a long derivation beside a server, restored after."""

from __future__ import annotations

from moneytrail.engine import open_engine


def _limit_mb(engine: object) -> float:
    text = str(engine.scalar("SELECT current_setting('memory_limit')"))  # type: ignore[attr-defined]
    number, unit = text.split()
    return float(number) * {"MiB": 1, "GiB": 1024, "KiB": 1 / 1024}[unit]


def test_memory_cap_holds_inside_and_is_restored_after() -> None:
    engine = open_engine(None)
    before = _limit_mb(engine)
    with engine.memory_cap(300):
        assert 250 <= _limit_mb(engine) <= 300
    assert abs(_limit_mb(engine) - before) <= 0.01 * before + 1
    engine.close()
