"""Trained models in the case: stored whole (JSON) under their model id, the latest one reused."""

from __future__ import annotations

from datetime import UTC, datetime

from moneytrail.resolve.model import DEFAULT_MODEL, ResolveModel
from moneytrail.store.case import Case


def store_model(case: Case, model: ResolveModel, origin: str) -> None:
    """Keep ``model`` in the case (once per model id); ``origin`` says where it came from."""
    if case.engine.scalar("SELECT count(*) FROM resolve_models WHERE model_id = ?", [model.model_id]):
        return
    case.engine.execute("INSERT INTO resolve_models VALUES (?, ?, ?, ?)",
                        [model.model_id, datetime.now(UTC).replace(tzinfo=None), origin, model.to_json()])


def latest_model(case: Case) -> ResolveModel | None:
    """The model of the case's last resolve run, else the last one stored, else None. None too when
    that model's comparison levels are not this version's (a model trained before the address levels
    changed): its m and u would be read against other levels, so the case trains anew."""
    rows = case.engine.rows(
        "SELECT m.params FROM resolve_models m LEFT JOIN resolve_runs r ON r.model_id = m.model_id "
        "ORDER BY r.started_at DESC NULLS LAST, m.trained_at DESC LIMIT 1")
    if not rows:
        return None
    model = ResolveModel.from_json(str(rows[0][0]))
    return model if same_levels(model, DEFAULT_MODEL) else None


def same_levels(model: ResolveModel, reference: ResolveModel) -> bool:
    """Whether ``model`` has the comparisons and levels of ``reference``."""
    return [(c.name, c.labels) for c in model.comparisons] == [(c.name, c.labels) for c in reference.comparisons]


def load_model(case: Case, model_id: str) -> ResolveModel:
    rows = case.engine.rows("SELECT params FROM resolve_models WHERE model_id = ?", [model_id])
    if not rows:
        raise KeyError(f"no model {model_id} in this case")
    return ResolveModel.from_json(str(rows[0][0]))
