"""Each service's app as the OpenAPI tests run it: in-process on the memory store,
without relay or consumer, with Nagasaki's staff of every role."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI

from services.registry import SERVICES
from shared.service import create_app
from shared.status_tokens import StatusTokenSettings
from tests.conftest import STAFF_TOKENS

SECRET_KEY = secrets.token_urlsafe(32)
NAGASAKI_KYOIKU = "nagasaki-kyoiku-token-" + "k" * 8
NAGASAKI_COUNCIL = "nagasaki-council-token-" + "c" * 8
# Nagasaki's directory routes the proposals of tests.factories (field 教育) to kyoiku.
STAFF = [
    *STAFF_TOKENS,
    {
        "token": NAGASAKI_KYOIKU,
        "role": "department",
        "municipality": "nagasaki",
        "department": "kyoiku",
    },
    {"token": NAGASAKI_COUNCIL, "role": "council", "municipality": "nagasaki"},
]


def service_app(name: str) -> FastAPI:
    declaration = SERVICES[name]
    values: dict[str, Any] = {
        "database_url": "memory:",
        "relay_enabled": False,
        "consumer_enabled": False,
        "staff_tokens": STAFF,
        # No rate limit (tests/edge/test_rate_limits.py tests it): schemathesis's coverage
        # phase sends thousands of submissions now that the body has each channel's fields.
        "rate_limit_per_minute": 0,
    }
    if issubclass(declaration.settings, StatusTokenSettings):
        values["secret_key"] = SECRET_KEY
    return create_app(declaration, declaration.settings(**values))
