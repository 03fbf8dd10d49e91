"""Helpers shared by the CLI modules: settings, database and error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from decidim_bridge import logs
from decidim_bridge.config import Settings, load_settings
from decidim_bridge.errors import BridgeError
from decidim_bridge.store import Database

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a ``BridgeError`` into a one-line message on stderr and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BridgeError as error:
            click.echo(f"error: {error.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def settings_and_db(*, configure_logging: bool = True) -> tuple[Settings, Database]:
    settings = load_settings()
    if configure_logging:
        logs.configure(settings.log_level, settings.log_format)
    return settings, Database(settings.database_url)


def fmt_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
