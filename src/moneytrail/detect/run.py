"""Running detectors over a case: resolve thresholds, detect, merge overlaps, rank, store.

Each detector scores its candidates against the background itself (see ``scoring``); here every
finding gets its typology and thresholds, overlapping findings of one typology are merged, and each
typology's findings are stored as one stage result (``detect.stage.detect_stamp``): a rerun with the
same thresholds replaces that typology's earlier findings, other thresholds add a result beside them.
The store stamps and grades them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any

from moneytrail.detect.base import prepared_edges, release_shared, run_data_version
from moneytrail.detect.merge import merge_overlapping
from moneytrail.detect.registry import Detector, detectors, resolve_params
from moneytrail.detect.stage import detect_stamp
from moneytrail.detect.variants import cite_method
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from moneytrail.store.findings import write_findings

Overrides = Mapping[str, Mapping[str, Any]]


def parse_overrides(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """``["fan-in.min_degree=5", ...]`` -> ``{"fan-in": {"min_degree": "5"}}`` with clear errors."""
    result: dict[str, dict[str, str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        typology, dot, key = name.strip().rpartition(".")
        if not sep or not dot or not typology or not key:
            raise ValueError(f"threshold override {item!r}: expected typology.name=value, e.g. fan-in.min_degree=5")
        result.setdefault(typology, {})[key] = value.strip()
    return result


def select_detectors(typologies: Iterable[str] | None) -> list[Detector]:
    available = detectors()
    if typologies is None:
        return list(available.values())
    wanted = list(dict.fromkeys(typologies))
    unknown = [t for t in wanted if t not in available]
    if unknown:
        raise ValueError(f"unknown typology {', '.join(unknown)}; available: {', '.join(available)}")
    return [available[t] for t in wanted]


def run_detectors(case: Case, typologies: Iterable[str] | None = None, overrides: Overrides | None = None,
                  *, store: bool = True, timings: dict[str, float] | None = None) -> list[Finding]:
    """Run the chosen detectors (all by default) and store their findings; returns them ranked.

    ``overrides`` maps typology -> {parameter: value}; an override for a typology not being run, or an
    unknown parameter name, is an error rather than silently ignored.
    """
    chosen = select_detectors(typologies)
    overrides = overrides or {}
    stray = set(overrides) - {d.typology for d in chosen}
    if stray:
        raise ValueError(f"parameters given for typologies not being run: {', '.join(sorted(stray))}")
    everything: list[Finding] = []
    # One DB transaction for the run's writes: a run that dies part-way leaves every earlier finding as it was.
    with prepared_edges(case), (case.engine.transaction() if store else nullcontext()):
        version = run_data_version(case)  # detectors read the data, they do not change it
        for i, detector in enumerate(chosen):
            everything.extend(_run_one(case, detector, overrides.get(detector.typology, {}), store, timings,
                                       version))
            if i + 1 < len(chosen):  # after the last, the run's end (or an outer run) decides
                release_unneeded(case, chosen[i + 1:])
    everything.sort(key=lambda f: (-f.score, f.typology, f.title))
    return everything


def release_unneeded(case: Case, remaining: Iterable[Detector]) -> None:
    """Free the run's shared tables that none of the ``remaining`` detectors reads (their optional
    ``shared_kinds``), so the memory they hold does not add to the peak of the detectors after them."""
    release_shared(case, keep={kind for d in remaining for kind in getattr(d, "shared_kinds", ())})


def _run_one(case: Case, detector: Detector, overrides: Mapping[str, Any], store: bool,
             timings: dict[str, float] | None, data_version: str) -> list[Finding]:
    """Resolve thresholds, detect, merge overlaps, rank and store one typology."""
    params = resolve_params(detector, overrides)
    started = time.perf_counter()
    raw = [dataclasses.replace(f, kind="typology", typology=detector.typology, params=dict(params))
           for f in detector.detect(case, params)]
    found = [dataclasses.replace(f, details={**f.details, "rank_in_typology": rank})
             for rank, f in enumerate(merge_overlapping(raw), start=1)]
    if getattr(detector, "weaker_variant", False):  # a weaker variant's findings rest on its method too
        found = cite_method(case, found)
    if store:
        write_findings(case, found, detect_stamp(detector.typology, params), data_version=data_version)
    if timings is not None:
        timings[detector.typology] = time.perf_counter() - started
    return found
