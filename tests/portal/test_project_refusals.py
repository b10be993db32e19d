"""Every refusal of a project's step reaches its department in the reader's words: each
rule of implementation's aggregate names its type, the portal words every type, and the
wording names only values the rule sends (services.portal.api.project_refusals)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services.portal.api.project_refusals import WORDING
from services.portal.pages import CATALOGUES
from tests.portal.test_catalogues import PLACEHOLDER

pytestmark = pytest.mark.unit

DOMAIN = Path(__file__).resolve().parents[2] / "services" / "implementation" / "domain.py"


def refusals_raised() -> dict[str, set[str]]:
    """Each refusal type the aggregate raises → the names of the values it sends."""
    raised: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(DOMAIN.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        keywords = {k.arg: k.value for k in node.exc.keywords}
        assert "code" in keywords, f"line {node.lineno}: a refusal without its type"
        codes = [c.value for c in ast.walk(keywords["code"]) if isinstance(c, ast.Constant)]
        values = keywords.get("values")
        names = (
            {str(k.value) for k in values.keys if isinstance(k, ast.Constant)}
            if isinstance(values, ast.Dict)
            else set()
        )
        for code in codes:
            if isinstance(code, str):
                raised.setdefault(code, set()).update(names)
    return raised


def test_every_refusal_of_a_project_is_worded_for_the_reader() -> None:
    raised = refusals_raised()
    assert len(raised) > 50
    assert set(raised) - set(WORDING) == set(), "word these in project_refusals.WORDING"
    assert set(WORDING) - set(raised) == set(), "worded, but no rule raises them any more"


def test_the_wording_names_only_what_the_rule_sends_and_reads_in_japanese() -> None:
    japanese = CATALOGUES.gettext("ja")
    for kind, sent in refusals_raised().items():
        assert set(PLACEHOLDER.findall(WORDING[kind])) <= sent, kind
        worded = japanese(WORDING[kind]) % {name: "x" for name in sent}
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", worded), (kind, worded)
