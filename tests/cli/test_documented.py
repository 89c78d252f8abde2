"""Every CLI verb is documented in the README: this test fails when one is not (after datasette)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from moneytrail.cli.app import build_app

README = Path(__file__).resolve().parents[2] / "README.md"


def _command_paths() -> list[str]:
    group = typer.main.get_command(build_app())
    paths: list[str] = []

    def walk(cmd: object, prefix: str) -> None:
        commands = getattr(cmd, "commands", None)
        if not commands:
            paths.append(prefix)
            return
        for name, sub in commands.items():
            walk(sub, f"{prefix} {name}".strip())

    walk(group, "")
    return sorted(paths)


def test_every_verb_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [p for p in _command_paths() if f"moneytrail {p}" not in text]
    assert missing == [], f"undocumented CLI verbs: {missing}"


def test_there_are_verbs() -> None:
    assert {"init", "status"} <= set(_command_paths())
