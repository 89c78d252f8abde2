"""docs/python-api.md runs: every ```python block, in order, in one namespace, in a fresh folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_page_has_examples() -> None:
    blocks = code_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8 and all("assert" in b or "print" in b for b in blocks[1:])


def test_the_python_api_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "python_api_doc"}
    for i, block in enumerate(code_blocks(DOC.read_text(encoding="utf-8")), start=1):
        try:
            exec(compile(block, f"{DOC.name}, block {i}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"block {i} of {DOC.name} failed: {exc}\n{block}") from exc
    assert (tmp_path / "report.html").exists()


def test_import_is_light_and_the_api_is_lazy() -> None:
    import moneytrail as mt

    assert callable(mt.open) and mt.open is mt.api.open_case
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = mt.nope  # type: ignore[attr-defined]


def test_api_names_do_not_collide_with_subpackages() -> None:
    import pkgutil

    import moneytrail as mt
    import moneytrail.generate  # a subpackage attribute must not hide an API name

    subpackages = {m.name for m in pkgutil.iter_modules(mt.__path__)}
    assert not mt._API & subpackages
    assert callable(mt.synthetic_case) and callable(mt.open)
