"""Rendering the portal's pages: the shared layout, the page's language, its links and
its form token.

Every page is rendered in one language, Japanese first: `?lang=en` (or `?lang=ja`)
switches and is remembered in a cookie. The texts come from the message catalogues in
services/portal/locales (shared.i18n); templates write `_("…")` and never a JA/EN pair.
Every link is built from KYOSO_PORTAL_PUBLIC_BASE_URL, never from the request's Host
header, so a forged Host cannot make the portal hand out links to another site.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from services.portal.backends import ServiceUnavailable
from services.portal.settings import PortalSettings
from shared import csrf
from shared.i18n import Catalogues
from shared.municipalities import JST, Municipality, municipalities

LOCALES = Path(__file__).parent / "locales"
CATALOGUES = Catalogues(LOCALES, ("ja", "en"))
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
LANGUAGE_COOKIE = "kyoso_lang"
YEAR = 365 * 24 * 3600


def _environment(language: str) -> Environment:
    environment = Environment(
        # The shared layout first, as for every service's pages (shared.pages).
        loader=ChoiceLoader(
            [PackageLoader("shared", "templates"), PackageLoader("services.portal", "templates")]
        ),
        autoescape=select_autoescape(),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style gettext: `_("%(n)s items", n=3)` formats and escapes its arguments.
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        CATALOGUES.translations(language), newstyle=True
    )
    return environment


ENVIRONMENTS = {language: _environment(language) for language in CATALOGUES.languages}


@dataclass
class Page:
    """One request's page: its language, its links, its form token, its cookies."""

    settings: PortalSettings
    language: str
    path: str
    query: dict[str, str]
    secure: bool
    csrf_token: str
    cookies: dict[str, tuple[str, int | None, str, str]] = field(default_factory=dict)
    city: Municipality | None = None

    # -- texts --------------------------------------------------------------------------

    def gettext(self, message: str, **values: Any) -> str:
        text = CATALOGUES.gettext(self.language)(message)
        return text % values if values else text

    def city_name(self, city: Municipality | None = None) -> str:
        city = city or self.city
        assert city is not None
        return city.name_en if self.language == "en" else city.name_ja

    def desk_name(self, city: Municipality | None = None) -> str:
        city = city or self.city
        assert city is not None
        return city.desk_en if self.language == "en" else city.desk_ja

    def when(self, moment: datetime) -> str:
        """A moment as people in Japan read it (the desks are Japanese cities)."""
        return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")

    # -- links --------------------------------------------------------------------------

    def url(self, path: str, **query: Any) -> str:
        """An address on the portal, from the configured public base URL."""
        kept = {k: str(v) for k, v in query.items() if v not in (None, "")}
        return f"{self.settings.portal_public_base_url}{path}" + (
            f"?{urlencode(kept)}" if kept else ""
        )

    def city_url(self, tail: str = "", **query: Any) -> str:
        assert self.city is not None
        return self.url(f"/{self.city.code}{tail}", **query)

    def current(self, city_tail: str) -> Markup:
        """` aria-current="page"` on the city's navigation link to this very page."""
        assert self.city is not None
        here = self.path == f"/{self.city.code}{city_tail}"
        return Markup(' aria-current="page"') if here else Markup("")

    @property
    def other_languages(self) -> list[tuple[str, str, str]]:
        """(code, name, address of this page in it) for the language switch."""
        return [
            (code, LANGUAGE_NAMES.get(code, code), self.url(self.path, **self.query, lang=code))
            for code in CATALOGUES.languages
            if code != self.language
        ]

    @property
    def cities(self) -> list[Municipality]:
        return list(municipalities().values())

    # -- responses ----------------------------------------------------------------------

    def set_cookie(
        self, name: str, value: str, *, max_age: int | None, path: str = "/", same_site: str
    ) -> None:
        self.cookies[name] = (value, max_age, path, same_site)

    def render(self, template: str, /, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = (
            ENVIRONMENTS[self.language]
            .get_template(template)
            .render(page=self, lang=self.language, **context)
        )
        response = HTMLResponse(html, status_code=status_code)
        self.apply_cookies(response)
        return response

    def apply_cookies(self, response: Response) -> None:
        for name, (value, max_age, path, same_site) in self.cookies.items():
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path=path,
                secure=self.secure,
                httponly=True,
                samesite=same_site,  # type: ignore[arg-type]
            )


async def page_of(request: Request) -> Page:
    settings: PortalSettings = request.app.state.settings
    tokens: csrf.CsrfTokens = request.app.state.csrf
    asked = request.query_params.get("lang")
    language = CATALOGUES.language(asked, request.cookies.get(LANGUAGE_COOKIE))
    token = request.cookies.get(csrf.COOKIE)
    page = Page(
        settings=settings,
        language=language,
        path=request.url.path,
        query={k: v for k, v in request.query_params.items() if k not in ("lang", "token")},
        secure=settings.portal_public_base_url.startswith("https://"),
        csrf_token=token if tokens.is_signed(token) and token else tokens.new(),
    )
    if page.csrf_token != token:
        page.set_cookie(csrf.COOKIE, page.csrf_token, max_age=None, same_site="strict")
    if asked == language:
        page.set_cookie(LANGUAGE_COOKIE, language, max_age=YEAR, same_site="lax")
    return page


PageOf = Annotated[Page, Depends(page_of)]


class PortalRoute(APIRoute):
    """A portal route: when a service it calls does not answer, the page says so (503)
    instead of failing with an error the public cannot read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_or_apologise(request: Request) -> Response:
            try:
                return await handle(request)
            except ServiceUnavailable:
                page = await page_of(request)
                return page.render("unavailable.html", status_code=503)

        return handle_or_apologise
