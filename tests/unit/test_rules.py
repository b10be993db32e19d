"""Small rules a user notices: fiscal years, status tokens, configuration errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.intake.settings import IntakeSettings
from shared.municipalities import fiscal_year, today_in_japan
from shared.settings import CommonSettings, ConfigError, load_settings
from shared.status_tokens import StatusTokens
from shared.store import eventsourcing_env


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_the_fiscal_year_starts_in_april(day: date, year: int) -> None:
    assert fiscal_year(day) == year


def test_today_is_counted_in_japan() -> None:
    # 2026-03-31 16:00 UTC is already 1 April in Japan: a new fiscal year.
    assert today_in_japan(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)) == date(2026, 4, 1)


def test_a_status_token_opens_only_its_own_proposal() -> None:
    tokens = StatusTokens(b"k" * 32)
    mine, other = uuid4(), uuid4()
    token = tokens.issue(mine)
    assert tokens.verify(mine, token)
    assert not tokens.verify(other, token)
    assert not StatusTokens(b"j" * 32).verify(mine, token)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("KYOSO_INTAKE_PORT", "eighty", "KYOSO_INTAKE_PORT"),
        ("KYOSO_INTAKE_PORT", "70000", "KYOSO_INTAKE_PORT"),
        ("KYOSO_SECRET_KEY", "short", "KYOSO_SECRET_KEY"),
        ("KYOSO_STAFF_TOKENS", '[{"token": "t"}]', "KYOSO_STAFF_TOKENS[0].token"),
        ("KYOSO_STAFF_TOKENS", "not json", "KYOSO_STAFF_TOKENS"),
        ("KYOSO_LOG_LEVEL", "LOUD", "KYOSO_LOG_LEVEL"),
        ("KYOSO_PUBLIC_BASE_URL", "intake.example", "KYOSO_PUBLIC_BASE_URL"),
    ],
)
def test_a_wrong_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_settings(IntakeSettings)


@pytest.mark.parametrize("url", ["mysql://db/kyoso", "postgresql:///nohost", "sqlite://"])
def test_an_unusable_database_url_is_refused_with_the_variable_name(url: str) -> None:
    with pytest.raises(ConfigError, match="KYOSO_DATABASE_URL"):
        eventsourcing_env("intake", CommonSettings(database_url=url))


def test_each_service_gets_its_own_postgres_schema() -> None:
    settings = CommonSettings(database_url="postgresql://kyoso:pw@db:5432/kyoso")
    assert eventsourcing_env("intake", settings)["POSTGRES_SCHEMA"] == "intake"
    assert eventsourcing_env("routing", settings)["POSTGRES_SCHEMA"] == "routing"
