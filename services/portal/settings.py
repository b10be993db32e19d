"""The portal's settings (environment variables, documented in the README)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from shared.settings import SECRET, key_from_setting_or_file
from shared.staff_auth import OidcSettings

URL = r"^https?://[^\s/]+(/[^\s]*)?$"


class PortalSettings(OidcSettings):
    portal_port: int = Field(8000, ge=1, le=65535, description="HTTP port of the public portal.")
    portal_public_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Base URL the public reaches the portal at; every link in its pages and "
        "the proposers' status links are built from it, never from the request's Host header. "
        "Empty: http://KYOSO_HTTP_HOST:KYOSO_PORTAL_PORT.",
    )
    intake_url: str = Field(
        "http://127.0.0.1:8001", pattern=URL, description="Where the portal calls intake's API."
    )
    routing_url: str = Field(
        "http://127.0.0.1:8002", pattern=URL, description="Where the portal calls routing's API."
    )
    decision_url: str = Field(
        "http://127.0.0.1:8003",
        pattern=URL,
        description="Where the portal calls decision's API (the staff consoles).",
    )
    publication_url: str = Field(
        "http://127.0.0.1:8004",
        pattern=URL,
        description="Where the portal calls publication's API.",
    )
    implementation_url: str = Field(
        "http://127.0.0.1:8005",
        pattern=URL,
        description="Where the portal calls implementation's API (the projects after adoption).",
    )
    publication_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Where the public reaches publication (its JSON Feed, linked from the "
        "portal for other cities); the same variable publication reads. Empty: "
        "KYOSO_PUBLICATION_URL.",
    )
    portal_backend_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="How long the portal waits for a service's answer."
    )
    portal_csrf_key: str = Field(
        "",
        json_schema_extra=SECRET,
        description="Key that signs the portal's form tokens (at least 32 characters; the same "
        "on every portal replica). Empty: a key is generated once into "
        "KYOSO_DATA_DIR/portal-csrf-key (fine for one machine).",
    )

    portal_session_key: str = Field(
        "",
        json_schema_extra=SECRET,
        description="Key that seals the staff consoles' sign-in cookie (at least 32 characters; "
        "the same on every portal replica). Empty: a key is generated once into "
        "KYOSO_DATA_DIR/portal-session-key (fine for one machine).",
    )

    portal_oidc_client_id: str = Field(
        "kyoso-portal",
        description="The portal's client id at the OpenID Connect provider (KYOSO_OIDC_ISSUER).",
    )
    portal_oidc_client_secret: str = Field(
        "",
        json_schema_extra=SECRET,
        description="The portal's client secret (a confidential client; PKCE as well).",
    )
    portal_oidc_scope: str = Field(
        "openid profile staff",
        description="Scopes the staff sign-in asks for; the access token's audience is "
        "KYOSO_OIDC_AUDIENCE (sent as the resource indicator).",
    )
    portal_oidc_redirect_base_url: str = Field(
        "",
        pattern=r"^(https?://.*)?$",
        description="Base URL of the sign-in's redirect (…/staff/callback) and of the "
        "address after sign-out (…/staff/signed-out), as registered at the provider. Empty: "
        "KYOSO_PORTAL_PUBLIC_BASE_URL.",
    )

    @field_validator("portal_csrf_key", "portal_session_key")
    @classmethod
    def long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def derive_and_keep_no_events(self) -> PortalSettings:
        if not self.portal_public_base_url:
            self.portal_public_base_url = f"http://{self.http_host}:{self.portal_port}"
        self.portal_public_base_url = self.portal_public_base_url.rstrip("/")
        if not self.portal_oidc_redirect_base_url:
            self.portal_oidc_redirect_base_url = self.portal_public_base_url
        self.portal_oidc_redirect_base_url = self.portal_oidc_redirect_base_url.rstrip("/")
        if not self.publication_base_url:
            self.publication_base_url = self.publication_url
        self.publication_base_url = self.publication_base_url.rstrip("/")
        # The portal keeps no events of its own (it calls the services' APIs): there is
        # nothing to relay and nothing to consume, whatever the shared settings say.
        self.relay_enabled = False
        self.consumer_enabled = False
        return self

    def session_key(self) -> bytes:
        return key_from_setting_or_file(
            self.portal_session_key, self.data_dir, "portal-session-key", "KYOSO_PORTAL_SESSION_KEY"
        )

    def csrf_key(self) -> bytes:
        return key_from_setting_or_file(
            self.portal_csrf_key, self.data_dir, "portal-csrf-key", "KYOSO_PORTAL_CSRF_KEY"
        )
