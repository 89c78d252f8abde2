"""Schema migrations, applied in version order, each inside one transaction.

Each module ``mNNN_name.py`` defines ``VERSION: int``, ``NAME: str`` and ``STATEMENTS: list[str]``.
Modules are discovered, so a capability adds its tables by adding a module; versions are never
reused or edited once released: a change is a new migration.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def all_migrations() -> list[Migration]:
    found: dict[int, Migration] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        version = int(module.VERSION)
        if version in found:
            raise RuntimeError(f"two migrations claim version {version}: {found[version].name}, {module.NAME}")
        found[version] = Migration(version, str(module.NAME), tuple(module.STATEMENTS))
    return [found[v] for v in sorted(found)]
