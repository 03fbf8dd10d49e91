"""Configuration from ``DECIDIM_BRIDGE_*`` environment variables, validated once at start-up.

Every setting has a default that runs the bridge on embedded defaults (SQLite under
``./instance/`` and the Decidim sandbox on ``http://localhost:3000``). Secrets may also be
given as ``<NAME>_FILE`` pointing at a file (Docker/Kubernetes secrets). A bad value stops
the process with a ``ConfigError`` that names the variable.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from decidim_bridge.errors import ConfigError

PREFIX = "DECIDIM_BRIDGE_"
#: A job's schedule (``schedule.parse``): off, hourly, daily@HH:MM, monthly@HH:MM, or an
#: interval such as 300s, 15m, 6h, 2d.
SCHEDULE_PATTERN = r"^(off|hourly|daily@\d{2}:\d{2}|monthly@\d{2}:\d{2}|\d+[smhd])$"
SECRET_SETTINGS = ("webhook_secrets", "restfull_secret", "decidim_api_secret", "link_secret")
#: Settings that may also be given as ``<NAME>_FILE`` (secrets, and URLs with passwords).
FILE_SETTINGS = (*SECRET_SETTINGS, "database_url", "smtp_url", "decidim_api_key")


def _default_instance_dir() -> Path:
    return Path.cwd() / "instance"


@dataclass(frozen=True)
class Settings:
    """Validated settings. Field ``x`` comes from ``DECIDIM_BRIDGE_X``; see README for each."""

    instance_dir: Path = field(default_factory=_default_instance_dir)
    database_url: str = ""
    webhook_secrets: tuple[str, ...] = ()
    restfull_secret: str | None = None
    tenant: str = ""
    decidim_url: str = "http://localhost:3000"
    decidim_api_key: str | None = None
    decidim_api_secret: str | None = None
    decidim_requests_per_minute: int = 60
    decidim_rate_window: int = 60
    http_connect_timeout: float = 3.05
    http_read_timeout: float = 20.0
    mappings_dir: Path = Path("mappings")
    max_body_bytes: int = 256 * 1024
    timestamp_tolerance: int = 300
    log_level: str = "INFO"
    log_format: str = "json"
    worker_lease_seconds: float = 60.0
    worker_max_attempts: int = 8
    worker_poll_interval: float = 1.0
    #: Read a proposal once per burst (own echoes unread, queued events covered); off: one
    #: read per event, as before (the benchmark's naive path, and a way back).
    read_economy: bool = True
    #: Send a plan version's Decidim writes in one request and answer with the module's
    #: guarded answer (no read first); off: one request per write and a read before each
    #: answer, as before (the benchmark's naive path, and a way back).
    write_economy: bool = True
    worker_backoff_base: float = 5.0
    worker_backoff_max: float = 3600.0
    migration_wait_interval: float = 2.0
    poll_interval: float = 300.0
    poll_share: float = 0.5
    publication_mode: str = "automatic"
    write_answers: bool = True
    smtp_url: str | None = None
    mail_dir: Path | None = None
    mail_from: str = "initiatieven@gemeente.example"
    public_url: str = "http://localhost:8000"
    link_secret: str | None = None
    link_ttl_hours: int = 72
    ref_prefix: str = "LB"
    comment_max_length: int = 1000
    reconcile_delay: float = 30.0
    group_commit: bool = True
    timezone: str = "Europe/Amsterdam"
    job_reminders: str = "daily@07:00"
    job_digest: str = "monthly@06:00"
    job_release_holds: str = "hourly"
    job_poll: str = "off"
    job_retention: str = "daily@03:00"
    job_lease_seconds: float = 900.0
    job_retry_seconds: float = 300.0
    retention_webhook_days: int = 30
    retention_mail_days: int = 90
    retention_plan_months: int = 12
    #: Settings given in the environment (not defaults): the policy settings that moved to
    #: ``mappings/policy.yaml`` still count when given, with a deprecation warning.
    explicit: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Derived defaults that depend on other settings.
        if not self.database_url:
            db_file = self.instance_dir / "bridge.sqlite3"
            object.__setattr__(self, "database_url", f"sqlite:///{db_file}")
        if not self.tenant:
            object.__setattr__(self, "tenant", urlsplit(self.decidim_url).hostname or "localhost")
        if self.mail_dir is None:
            object.__setattr__(self, "mail_dir", self.instance_dir / "mail")

    @property
    def webhook_secret_bytes(self) -> tuple[bytes, ...]:
        """The Standard Webhooks secrets as raw key bytes (``whsec_`` prefix removed)."""
        return tuple(decode_whsec(s) for s in self.webhook_secrets)

    def redacted(self) -> dict[str, Any]:
        """A printable copy with every secret replaced by ``***``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_SETTINGS and value:
                value = "***"
            elif f.name == "database_url" or f.name == "smtp_url":
                value = _redact_url(value)
            out[f.name] = str(value) if isinstance(value, Path) else value
        return out


def _redact_url(url: str | None) -> str | None:
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def decode_whsec(secret: str) -> bytes:
    """Decode a Standard Webhooks secret (``whsec_`` + base64, or bare base64)."""
    raw = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    return base64.b64decode(raw, validate=True)


class _SpaceSeparated(fields.Field[tuple[str, ...]]):
    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[str, ...]:
        if not isinstance(value, str):
            raise ValidationError("Must be a space-separated string.")
        return tuple(value.split())


class _Bool(fields.Boolean):
    truthy = {"1", "true", "yes", "on", "True", "TRUE"}
    falsy = {"0", "false", "no", "off", "False", "FALSE", ""}


class _EnvSchema(Schema):
    """Parses the environment; each field's ``data_key`` is its variable name."""

    class Meta:
        unknown = EXCLUDE

    instance_dir = fields.String()
    database_url = fields.String(validate=validate.Regexp(r"^(sqlite|postgresql)(\+\w+)?://"))
    webhook_secrets = _SpaceSeparated()
    restfull_secret = fields.String(validate=validate.Length(min=16))
    tenant = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9.-]+$"))
    decidim_url = fields.Url(require_tld=False, schemes={"http", "https"})
    decidim_api_key = fields.String()
    decidim_api_secret = fields.String()
    decidim_requests_per_minute = fields.Integer(validate=validate.Range(min=1, max=10000))
    decidim_rate_window = fields.Integer(validate=validate.Range(min=1, max=3600))
    http_connect_timeout = fields.Float(validate=validate.Range(min=0.1, max=120))
    http_read_timeout = fields.Float(validate=validate.Range(min=0.1, max=600))
    mappings_dir = fields.String()
    max_body_bytes = fields.Integer(validate=validate.Range(min=1024, max=16 * 1024 * 1024))
    timestamp_tolerance = fields.Integer(validate=validate.Range(min=1, max=3600))
    log_level = fields.String(
        validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
    )
    log_format = fields.String(validate=validate.OneOf(["json", "text"]))
    worker_lease_seconds = fields.Float(validate=validate.Range(min=1, max=3600))
    worker_max_attempts = fields.Integer(validate=validate.Range(min=1, max=100))
    worker_poll_interval = fields.Float(validate=validate.Range(min=0.01, max=600))
    worker_backoff_base = fields.Float(validate=validate.Range(min=0.01, max=3600))
    worker_backoff_max = fields.Float(validate=validate.Range(min=0.01, max=7 * 86400))
    migration_wait_interval = fields.Float(validate=validate.Range(min=0.05, max=300))
    poll_interval = fields.Float(validate=validate.Range(min=1, max=86400))
    poll_share = fields.Float(validate=validate.Range(min=0.05, max=1.0))
    publication_mode = fields.String(validate=validate.OneOf(["automatic", "after-approval"]))
    write_answers = _Bool()
    read_economy = _Bool()
    write_economy = _Bool()
    smtp_url = fields.String(validate=validate.Regexp(r"^smtps?://"))
    mail_dir = fields.String()
    mail_from = fields.Email()
    public_url = fields.Url(require_tld=False, schemes={"http", "https"})
    link_secret = fields.String(validate=validate.Length(min=16))
    link_ttl_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 60))
    ref_prefix = fields.String(validate=validate.Regexp(r"^[A-Z0-9]{1,6}$"))
    comment_max_length = fields.Integer(validate=validate.Range(min=200, max=100000))
    reconcile_delay = fields.Float(validate=validate.Range(min=0, max=3600))
    group_commit = _Bool()
    timezone = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_+/-]+$"))
    job_reminders = fields.String(validate=validate.Regexp(SCHEDULE_PATTERN))
    job_digest = fields.String(validate=validate.Regexp(SCHEDULE_PATTERN))
    job_release_holds = fields.String(validate=validate.Regexp(SCHEDULE_PATTERN))
    job_poll = fields.String(validate=validate.Regexp(SCHEDULE_PATTERN))
    job_retention = fields.String(validate=validate.Regexp(SCHEDULE_PATTERN))
    job_lease_seconds = fields.Float(validate=validate.Range(min=10, max=86400))
    job_retry_seconds = fields.Float(validate=validate.Range(min=1, max=86400))
    retention_webhook_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    retention_mail_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    retention_plan_months = fields.Integer(validate=validate.Range(min=1, max=600))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, fld in self.fields.items():
            fld.data_key = PREFIX + name.upper()

    @validates("webhook_secrets")
    def _check_secrets(self, value: tuple[str, ...], **_: Any) -> None:
        for secret in value:
            if not secret.startswith("whsec_"):
                raise ValidationError("Each secret must start with 'whsec_'.")
            try:
                key = decode_whsec(secret)
            except (binascii.Error, ValueError) as exc:
                raise ValidationError("A secret is not valid base64 after 'whsec_'.") from exc
            if len(key) < 24:
                raise ValidationError("A secret must decode to at least 24 bytes.")


def _read_secret_files(environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    for name in FILE_SETTINGS:
        var = PREFIX + name.upper()
        file_var = var + "_FILE"
        if file_var in env and var not in env:
            try:
                env[var] = Path(env[file_var]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(file_var, f"cannot read {env[file_var]}: {exc.strerror}") from exc
    return env


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read and validate settings; ``overrides`` (field names) win over the environment."""
    env = _read_secret_files(os.environ if environ is None else environ)
    relevant = {k: v for k, v in env.items() if k.startswith(PREFIX) and not k.endswith("_FILE")}
    try:
        values: dict[str, Any] = _EnvSchema().load(relevant)
    except ValidationError as exc:
        messages = exc.messages_dict
        variable = sorted(messages)[0]
        problem = messages[variable]
        text = "; ".join(problem) if isinstance(problem, list) else str(problem)
        raise ConfigError(variable, text, errors=messages) from exc
    for name in ("instance_dir", "mappings_dir", "mail_dir"):
        if name in values:
            values[name] = Path(values[name])
    values["explicit"] = frozenset(values)
    known = {f.name for f in dataclasses.fields(Settings)}
    for key in overrides:
        if key not in known:
            raise ConfigError(PREFIX + key.upper(), "unknown setting")
    values.update(overrides)
    for name in ("instance_dir", "mappings_dir", "mail_dir"):
        if values.get(name) is not None:
            values[name] = Path(values[name])
    if isinstance(values.get("webhook_secrets"), (list, str)):
        secrets = values["webhook_secrets"]
        values["webhook_secrets"] = tuple(secrets.split() if isinstance(secrets, str) else secrets)
    return Settings(**values)
