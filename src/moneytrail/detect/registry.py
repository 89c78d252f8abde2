"""The detector registry. Each typology is one module in ``detect/`` that registers a Detector.

Modules are discovered (like the CLI verbs), so the built-in detectors use the same hook a plugin
would: define a class with ``typology``, ``description``, ``defaults`` and ``detect()``, and
decorate it with ``@register``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from moneytrail.model.finding import Finding
from moneytrail.store import Case

_NOT_DETECTORS = {"registry"}


class Detector(Protocol):
    typology: str
    description: str
    # Tunable thresholds and their defaults; users override them by name.
    defaults: Mapping[str, Any]

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        """Run over the case's transactions (SQL through case.engine) and return findings."""


_REGISTRY: dict[str, Detector] = {}
D = TypeVar("D")


def register(cls: type[D]) -> type[D]:
    """Class decorator: instantiate and register a detector under its typology."""
    instance: Any = cls()
    typology = str(instance.typology)
    if typology in _REGISTRY and type(_REGISTRY[typology]) is not cls:
        raise RuntimeError(f"two detectors claim typology {typology!r}")
    _REGISTRY[typology] = instance
    return cls


def _discover() -> None:
    package = importlib.import_module("moneytrail.detect")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_DETECTORS or info.name.startswith("_"):
            continue
        importlib.import_module(f"moneytrail.detect.{info.name}")


def detectors() -> dict[str, Detector]:
    """All registered detectors by typology, discovering the built-in modules first."""
    _discover()
    return dict(sorted(_REGISTRY.items()))


def resolve_params(detector: Detector, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults with user overrides; an unknown threshold name is an error, not silently ignored."""
    unknown = set(overrides) - set(detector.defaults)
    if unknown:
        raise ValueError(f"{detector.typology}: unknown parameter(s) {sorted(unknown)}; "
                         f"known: {sorted(detector.defaults)}")
    params = dict(detector.defaults)
    for key, value in overrides.items():
        default = detector.defaults[key]
        params[key] = type(default)(value) if default is not None else value
    return params
