"""Staff sign in in a real browser (Debian's Chromium through Playwright): the portal sends
an unsigned visitor to the local OpenID Connect provider's login page, Nagasaki's desk
officer signs in there and lands back on the page asked for, signed in by name; signing
out ends it at the provider too.

The provider's login page and the staff landing page are checked with axe-core and
photographed at desktop and mobile width into tests/screenshots/staff/."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from services.portal.service import PORTAL
from shared.service import create_app
from tests.conftest import MovableClock
from tests.oidc import (
    PORTAL_BASE,
    PORTAL_CLIENT_ID,
    PORTAL_CLIENT_SECRET,
    PORTAL_PORT,
    RunningIdp,
    idp,  # noqa: F401  (the fixture)
    password_of,
)
from tests.portal.harness import portal_settings
from tests.portal.servers import _Servers

pytestmark = [pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "screenshots" / "staff"
WIDTHS = {"desktop": 1280, "mobile": 390}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE = Axe()
UNUSED = {name: "http://127.0.0.1:9" for name in ("intake", "routing", "publication")}


@pytest.fixture(scope="module")
def portal(
    idp: RunningIdp,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    settings = portal_settings(
        tmp_path_factory.mktemp("staff-portal"),
        UNUSED,
        portal_public_base_url=PORTAL_BASE,
        oidc_issuer=idp.issuer,
        portal_oidc_client_id=PORTAL_CLIENT_ID,
        portal_oidc_client_secret=PORTAL_CLIENT_SECRET,
        portal_session_key=secrets.token_urlsafe(32),
    )
    servers = _Servers(
        {"portal": create_app(PORTAL, settings, clock=MovableClock())}, {"portal": PORTAL_PORT}
    )
    servers.start()
    try:
        yield PORTAL_BASE
    finally:
        servers.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def look(page: Page, name: str) -> None:
    """axe-core (no serious or critical violation), then screenshots at both widths."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
        if label == "mobile":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_nagasakis_desk_officer_signs_in_at_the_provider_and_out_again(
    idp: RunningIdp,  # noqa: F811
    portal: str,
    page: Page,
) -> None:
    page.goto(f"{portal}/staff?from=browser")
    expect(page).to_have_url(re.compile(re.escape(f"{idp.issuer}/interaction/")))
    expect(page.get_by_role("heading", level=1)).to_contain_text("職員サインイン")
    look(page, "provider-login")

    # A wrong password first: said, and the form is there again.
    page.get_by_label("ログイン名").fill("nagasaki-desk")
    page.get_by_label("パスワード").fill("not-the-password")
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("alert")).to_contain_text("ログイン名またはパスワードが違います")

    # By keyboard: type, tab, type, Enter.
    page.get_by_label("ログイン名").fill("")
    page.get_by_label("ログイン名").focus()
    page.keyboard.type("nagasaki-desk")
    page.keyboard.press("Tab")
    page.keyboard.type(password_of("nagasaki-desk"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{portal}/staff?from=browser")
    person = idp.staff["nagasaki-desk"]
    expect(page.locator("main")).to_contain_text(f"{person.name} としてサインインしています")
    expect(page.locator("main")).to_contain_text("窓口担当者")
    expect(page.get_by_role("link", name="窓口の画面")).to_have_attribute(
        "href", f"{portal}/staff/desk"
    )
    look(page, "staff-landing")

    page.get_by_role("link", name="English").click()
    expect(page.locator("main")).to_contain_text(f"Signed in as {person.name}")
    look(page, "staff-landing-en")

    page.get_by_role("button", name="Sign out").click()
    # The provider asks to confirm ending its session too, then sends back to the portal.
    expect(page).to_have_url(re.compile(re.escape(f"{idp.issuer}/session/end")))
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page).to_have_url(f"{portal}/staff/signed-out")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("signed out"))
    look(page, "signed-out")

    # Signed out at both ends: the landing page asks for the password again.
    page.goto(f"{portal}/staff")
    expect(page).to_have_url(re.compile(re.escape(f"{idp.issuer}/interaction/")))
    expect(page.get_by_label("パスワード")).to_be_visible()
