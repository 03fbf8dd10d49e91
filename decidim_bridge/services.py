"""The long-lived collaborators a worker hands to handlers (Decidim client, mappings...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decidim_bridge.config import Settings
from decidim_bridge.store import Database

if TYPE_CHECKING:
    from decidim_bridge.writeback.writer import Writer


@dataclass
class Services:
    settings: Settings
    db: Database
    decidim: Any = None
    mappings: Any = None


def build_services(settings: Settings, db: Database) -> Services:
    """Build the services once per worker process."""
    from decidim_bridge.rules.loader import load as load_mappings

    services = Services(settings=settings, db=db, mappings=load_mappings(settings.mappings_dir))
    if settings.decidim_api_key and settings.decidim_api_secret:
        from decidim_bridge.decidim.client import DecidimClient

        services.decidim = DecidimClient.from_settings(settings, db)
    return services


def build_writer(settings: Settings, db: Database) -> Writer:
    """The writer with the configured Decidim client and mail backend."""
    from decidim_bridge.decidim.client import DecidimClient
    from decidim_bridge.mail import backend_for
    from decidim_bridge.writeback.writer import Writer

    decidim = DecidimClient.from_settings(settings, db).limited(wait=False)
    mail_dir = settings.mail_dir or settings.instance_dir / "mail"  # set by Settings itself
    mailer = backend_for(settings.smtp_url, mail_dir)
    return Writer(db, settings, decidim=decidim, mailer=mailer)
