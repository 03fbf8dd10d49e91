"""build_services gives handlers a Decidim client once API credentials are configured."""

from __future__ import annotations

from typing import Any

from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.services import build_services


def test_no_client_without_credentials(settings: Any, db: Any) -> None:
    assert build_services(settings, db).decidim is None


def test_client_with_credentials_shares_the_database_budget(decidim_settings: Any, db: Any) -> None:
    services = build_services(decidim_settings, db)

    assert isinstance(services.decidim, DecidimClient)
    transport = services.decidim.transport
    assert transport.endpoint == "http://decidim.test:3000/api"
    assert transport.budget is not None
    assert transport.budget.db is db
    assert transport.budget.per_minute == 60
    assert transport.timeout == (
        decidim_settings.http_connect_timeout,
        decidim_settings.http_read_timeout,
    )
