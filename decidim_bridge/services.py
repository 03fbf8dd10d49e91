"""The long-lived collaborators a worker hands to handlers (Decidim client, mappings...)."""

from __future__ import annotations

import time
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
    #: The poll job's poller, kept between sweeps: its client's token and the components
    #: it found are reused instead of asked for again each time.
    poller: Any = None


def build_services(settings: Settings, db: Database) -> Services:
    """Build the services once per worker process."""
    from decidim_bridge.rules.loader import load as load_mappings

    services = Services(settings=settings, db=db, mappings=load_mappings(settings.mappings_dir))
    if settings.decidim_api_key and settings.decidim_api_secret:
        from decidim_bridge.decidim.client import DecidimClient

        services.decidim = DecidimClient.from_settings(settings, db)
    return services


def build_writer(settings: Settings, db: Database) -> Writer:
    """One writer of every lane with the configured Decidim client and mail backend
    (``writer --once``: executes what is due, Decidim writes and mails alike)."""
    return build_writers(settings, db, split=False)[0]


def build_writers(
    settings: Settings, db: Database, *, split: bool = True, with_worker: bool = False
) -> list[Writer]:
    """The writer loops of a long-running process: one for Decidim's writes and one for
    the mails (``split``), sharing the Decidim client and the mail backend. The mails let
    the Decidim writes that can run go first (``live_work``), and the webhook events too
    when the worker runs in the same process (``with_worker``: ``run``)."""
    from decidim_bridge import live_work
    from decidim_bridge.decidim.client import DecidimClient
    from decidim_bridge.mail import backend_for
    from decidim_bridge.writeback.writer import DECIDIM, EVERY, MAIL_ONLY, Writer

    decidim = DecidimClient.from_settings(settings, db).limited(wait=False)
    mail_dir = settings.mail_dir or settings.instance_dir / "mail"  # set by Settings itself
    mailer = backend_for(settings.smtp_url, mail_dir)
    if not split:
        return [Writer(db, settings, decidim=decidim, mailer=mailer, lanes=EVERY)]
    window = settings.decidim_rate_window
    return [
        Writer(db, settings, decidim=decidim, mailer=mailer, lanes=DECIDIM),
        Writer(
            db,
            settings,
            decidim=decidim,
            mailer=mailer,
            lanes=MAIL_ONLY,
            # Only what can run now, in this process, competes with mail for its time.
            defer_to=lambda: live_work.queued(db, time.time(), events=with_worker),
            defer_max=live_work.MAX_WINDOWS * window,
        ),
    ]
