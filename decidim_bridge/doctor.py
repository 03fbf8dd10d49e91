"""``decidim-bridge doctor``: a sysadmin's first command. One line per check, OK/WARN/FAIL.

Each check is a function of the settings that returns a ``Check``; none changes anything
(the mail check writes and removes one empty file in the mail folder). The exit status is
1 when any check failed, so scripts can use it.
"""

from __future__ import annotations

import base64
import smtplib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError
from decidim_bridge.store import Database

OK, WARN, FAIL = "OK", "WARN", "FAIL"
#: Seconds of clock difference with Decidim that earn a warning; half the webhook
#: timestamp tolerance fails (signed deliveries start being refused at the full tolerance).
SKEW_WARN_SECONDS = 30.0
#: Webhook keys published in this repository's examples and tests: never for production.
PUBLISHED_WEBHOOK_KEYS = frozenset({b"bridge-test-secret-key-32-bytes!"})
PUBLISHED_RESTFULL_SECRETS = frozenset(
    {"3f6c0e9a8b7d4c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e"}
)


@dataclass(frozen=True)
class Check:
    name: str
    level: str
    message: str

    def line(self) -> str:
        return f"{self.level:4}  {self.name:13} {self.message}"


def check_configuration(settings: Settings, _: Any) -> Check:
    where = settings.instance_dir
    try:
        where.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=where):
            pass
    except OSError as exc:
        return Check("configuration", FAIL, f"instance folder {where} not writable: {exc}")
    return Check(
        "configuration",
        OK,
        f"tenant {settings.tenant}, instance folder {where}, time zone {settings.timezone}",
    )


def check_database(settings: Settings, db: Database) -> Check:
    try:
        db.ping()
        current, expected = db.current_revisions(), db.expected_revisions()
    except BridgeError as exc:
        return Check("database", FAIL, exc.message)
    if current != expected:
        return Check(
            "database",
            WARN,
            f"{db.dialect} reachable; migrations pending ({len(expected - current)}): "
            "`decidim-bridge db upgrade` (or `run`) applies them",
        )
    return Check("database", OK, f"{db.dialect} reachable, migrations current")


def check_decidim(settings: Settings, db: Database) -> Check:
    from decidim_bridge.decidim.client import DecidimClient

    if not (settings.decidim_api_key and settings.decidim_api_secret):
        return Check("decidim", FAIL, "DECIDIM_BRIDGE_DECIDIM_API_KEY/_SECRET not set")
    try:
        budget_db = db if db.migrations_current() else None
    except BridgeError:
        budget_db = None
    client = DecidimClient.from_settings(settings, budget_db, wait=False)
    try:
        me = client.whoami()
        found = client.capabilities()
    except BridgeError as exc:
        return Check("decidim", FAIL, f"{settings.decidim_url}: {exc.message}")
    finally:
        client.close()
    who = f"signed in as @{(me.nickname or '-').lstrip('@')} at {settings.decidim_url}"
    version = found.version or "version not disclosed"
    missing = [path for path, _ in found.missing_write_paths()]
    if not found.can_comment:
        return Check("decidim", FAIL, f"{who} ({version}); cannot write comments")
    if missing:
        return Check("decidim", WARN, f"{who} ({version}); no {', '.join(missing)}")
    return Check("decidim", OK, f"{who} ({version}); comments and answers")


def check_clock(settings: Settings, _: Any, now: Callable[[], float] = time.time) -> Check:
    try:
        response = requests.head(
            settings.decidim_url,
            timeout=(settings.http_connect_timeout, 10),
            allow_redirects=False,
        )
        moment = parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (requests.RequestException, KeyError, TypeError, ValueError) as exc:
        return Check("clock", WARN, f"cannot read Decidim's clock: {type(exc).__name__}")
    skew = now() - moment
    text = f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} Decidim"
    if abs(skew) >= settings.timestamp_tolerance / 2:
        return Check("clock", FAIL, f"{text}: signed webhooks will be refused; sync with NTP")
    if abs(skew) >= SKEW_WARN_SECONDS:
        return Check("clock", WARN, f"{text}; sync with NTP")
    return Check("clock", OK, text)


def check_mappings(settings: Settings, _: Any) -> Check:
    from decidim_bridge.mappings_check import check_folder

    mappings, problems = check_folder(settings.mappings_dir)
    if problems or mappings is None:
        first = str(problems[0]) if problems else "cannot read"
        return Check(
            "mappings",
            FAIL,
            f"{settings.mappings_dir}: {len(problems)} problem(s), first: {first}; "
            "see `decidim-bridge check-mappings`",
        )
    return Check("mappings", OK, f"{settings.mappings_dir} valid")


def check_mail(settings: Settings, _: Any) -> Check:
    if settings.smtp_url:
        from decidim_bridge.mail.backends import parse_smtp_url

        config = parse_smtp_url(settings.smtp_url)
        try:
            client_class = smtplib.SMTP_SSL if config.implicit_tls else smtplib.SMTP
            with client_class(config.host, config.port, timeout=10) as client:
                code, _ = client.noop()
        except (OSError, smtplib.SMTPException) as exc:
            return Check("mail", FAIL, f"SMTP {config.host}:{config.port}: {exc}")
        level = OK if code == 250 else WARN
        return Check("mail", level, f"SMTP {config.host}:{config.port} answers ({code})")
    folder = settings.mail_dir
    try:
        assert folder is not None
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except (OSError, AssertionError) as exc:
        return Check("mail", FAIL, f"mail folder {folder} not writable: {exc}")
    return Check("mail", WARN, f"no SMTP_URL: mail is written to files in {folder}")


def check_secrets(settings: Settings, _: Any) -> Check:
    from decidim_bridge.sandbox.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET

    published = [
        name
        for name, hit in (
            ("WEBHOOK_SECRETS", any(k in PUBLISHED_WEBHOOK_KEYS for k in _keys(settings))),
            ("RESTFULL_SECRET", settings.restfull_secret in PUBLISHED_RESTFULL_SECRETS),
            ("DECIDIM_API_KEY", settings.decidim_api_key == DEFAULT_API_KEY),
            ("DECIDIM_API_SECRET", settings.decidim_api_secret == DEFAULT_API_SECRET),
        )
        if hit
    ]
    if published:
        return Check(
            "secrets", FAIL, f"published example values (sandbox/tests) in {', '.join(published)}"
        )
    if not settings.webhook_secrets and not settings.restfull_secret:
        if settings.job_poll != "off":
            return Check("secrets", OK, "no webhook secrets: events come from the poller")
        return Check(
            "secrets", FAIL, "no WEBHOOK_SECRETS or RESTFULL_SECRET, and the poll job is off"
        )
    if any(len(k) < 32 for k in _keys(settings)):
        return Check("secrets", WARN, "a webhook secret is shorter than 32 bytes")
    count = len(settings.webhook_secrets) + int(bool(settings.restfull_secret))
    return Check("secrets", OK, f"{count} webhook secret(s), none published")


def _keys(settings: Settings) -> list[bytes]:
    keys = []
    for secret in settings.webhook_secrets:
        try:
            keys.append(base64.b64decode(secret.removeprefix("whsec_")))
        except ValueError:
            continue
    return keys


CHECKS: tuple[Callable[[Settings, Any], Check], ...] = (
    check_configuration,
    check_database,
    check_decidim,
    check_clock,
    check_mappings,
    check_mail,
    check_secrets,
)


def run_checks(settings: Settings, db: Database) -> list[Check]:
    results = []
    for check in CHECKS:
        try:
            results.append(check(settings, db))
        except (BridgeError, OSError) as exc:
            name = check.__name__.removeprefix("check_")
            results.append(Check(name, FAIL, f"{type(exc).__name__}: {exc}"))
    return results
