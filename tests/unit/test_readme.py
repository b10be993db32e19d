"""The README is the newcomer's first page: its commands and settings must be true."""

from __future__ import annotations

from pathlib import Path

from services.registry import PROCESSES
from shared.settings import ENV_PREFIX

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_lists_every_setting_a_service_reads() -> None:
    fields = {name for declared in PROCESSES.values() for name in declared.settings.model_fields}
    variables = {f"{ENV_PREFIX}{name.upper()}" for name in fields}
    missing = sorted(v for v in variables if f"`{v}`" not in README)
    assert not missing, f"README's configuration table lacks {missing}"


def test_ci_runs_the_readmes_test_command() -> None:
    assert "./dev test" in README.split("## The two commands")[1].split("##")[0]
    assert "./dev test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
