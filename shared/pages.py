"""The pages people read: Jinja2 templates on one shared layout, escaped by default.

Each service keeps its pages in its own `templates/` folder; every page extends the
layout in shared/templates/base.html (language, viewport, style, the `main` landmark and
the page's one `<h1>`). Autoescaping is on for every .html template, so a proposer's
title or a theme written by the desk is always shown as text, never run as markup.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

LAYOUT = Path(__file__).parent / "templates" / "base.html"


@cache
def layout_inline_styles() -> list[str]:
    """The text of the layout's inline <style> blocks, exactly as every page sends it
    (they hold no template tags): the Content-Security-Policy allows these and no other
    styling (shared.edge)."""
    return re.findall(r"<style>(.*?)</style>", LAYOUT.read_text(encoding="utf-8"), flags=re.S)


class PageTemplates:
    """The templates of one service (`<package>/templates/`) on the shared layout."""

    def __init__(self, package: str) -> None:
        self.environment = Environment(
            # The layout is looked up first: there is one layout, and no service's
            # template can stand in for it.
            loader=ChoiceLoader(
                [PackageLoader("shared", "templates"), PackageLoader(package, "templates")]
            ),
            autoescape=select_autoescape(),
            # A value a template names but the router did not pass is a bug to see, not
            # an empty cell on a public page.
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: str, /, **context: Any) -> HTMLResponse:
        """The page `template` shows for these view models."""
        return HTMLResponse(self.environment.get_template(template).render(context))
