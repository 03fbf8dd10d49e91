"""Tests for decidim_bridge.config: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from decidim_bridge.config import load_settings
from decidim_bridge.errors import ConfigError

GOOD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_defaults_run_on_embedded_sqlite(tmp_path):
    settings = load_settings(environ={"DECIDIM_BRIDGE_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/bridge.sqlite3"
    assert settings.decidim_url == "http://localhost:3000"
    assert settings.tenant == "localhost"
    assert settings.mappings_dir == Path("mappings")
    assert settings.max_body_bytes == 256 * 1024
    assert settings.timestamp_tolerance == 300
    assert settings.decidim_requests_per_minute == 60
    assert settings.mail_dir == tmp_path / "mail"


def test_environment_values_are_parsed():
    env = {
        "DECIDIM_BRIDGE_DATABASE_URL": "postgresql://db.internal/bridge",
        "DECIDIM_BRIDGE_WEBHOOK_SECRETS": f"{GOOD_SECRET}  whsec_{'A' * 40}",
        "DECIDIM_BRIDGE_DECIDIM_URL": "https://participatie.lindeburg.nl",
        "DECIDIM_BRIDGE_WORKER_MAX_ATTEMPTS": "12",
        "DECIDIM_BRIDGE_WRITE_ANSWERS": "false",
        "UNRELATED": "ignored",
    }
    settings = load_settings(environ=env)
    assert settings.database_url == "postgresql://db.internal/bridge"
    assert len(settings.webhook_secrets) == 2
    assert settings.tenant == "participatie.lindeburg.nl"
    assert settings.worker_max_attempts == 12
    assert settings.write_answers is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DECIDIM_BRIDGE_WEBHOOK_SECRETS", "not-a-whsec"),
        ("DECIDIM_BRIDGE_WEBHOOK_SECRETS", "whsec_%%%"),
        ("DECIDIM_BRIDGE_WEBHOOK_SECRETS", "whsec_c2hvcnQ="),
        ("DECIDIM_BRIDGE_DATABASE_URL", "mysql://x/y"),
        ("DECIDIM_BRIDGE_DECIDIM_URL", "ftp://decidim"),
        ("DECIDIM_BRIDGE_MAX_BODY_BYTES", "lots"),
        ("DECIDIM_BRIDGE_WORKER_LEASE_SECONDS", "0"),
        ("DECIDIM_BRIDGE_LOG_LEVEL", "LOUD"),
        ("DECIDIM_BRIDGE_PUBLICATION_MODE", "sometimes"),
    ],
)
def test_bad_value_names_the_variable(variable, value):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={variable: value})
    assert info.value.variable == variable
    assert str(info.value).startswith(variable + ":")


def test_secret_from_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(GOOD_SECRET + "\n")
    settings = load_settings(environ={"DECIDIM_BRIDGE_WEBHOOK_SECRETS_FILE": str(secret_file)})
    assert settings.webhook_secrets == (GOOD_SECRET,)


def test_unreadable_secret_file_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"DECIDIM_BRIDGE_DECIDIM_API_SECRET_FILE": str(tmp_path / "nope")})
    assert info.value.variable == "DECIDIM_BRIDGE_DECIDIM_API_SECRET_FILE"


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError):
        load_settings(environ={}, no_such_setting=1)


def test_redacted_hides_secrets():
    settings = load_settings(
        environ={
            "DECIDIM_BRIDGE_WEBHOOK_SECRETS": GOOD_SECRET,
            "DECIDIM_BRIDGE_DATABASE_URL": "postgresql://bridge:s3cret@db/bridge",
        }
    )
    shown = settings.redacted()
    assert shown["webhook_secrets"] == "***"
    assert "s3cret" not in shown["database_url"]
