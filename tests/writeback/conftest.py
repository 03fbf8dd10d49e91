"""Fixtures for write-back tests: a fake clock, templates, a writer on a fake Decidim."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from writeback.fakes import FakeDecidim
from writeback.samples import Sample, garden_mappings

from decidim_bridge.config import Settings
from decidim_bridge.mail import FileBackend
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.writeback.ledger import options_for, record_writes
from decidim_bridge.writeback.templates import MessageTemplates, message_templates
from decidim_bridge.writeback.writer import Writer

START = 1_796_000_000.0  # 2026-11-30


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def mappings() -> Mappings:
    return load_mappings(REPO / "mappings")


@pytest.fixture(scope="session")
def sample_mappings(mappings: Mappings) -> Mappings:
    """The example rules with what the sample garden plan refers to."""
    return garden_mappings(mappings)


@pytest.fixture
def templates(mappings: Mappings) -> MessageTemplates:
    return message_templates(mappings)


@pytest.fixture
def fake() -> FakeDecidim:
    return FakeDecidim()


@pytest.fixture
def mail_dir(settings: Settings) -> Path:
    assert settings.mail_dir is not None
    return settings.mail_dir


@pytest.fixture
def writer(db: Database, settings: Settings, fake: FakeDecidim, clock: Clock) -> Writer:
    return Writer(
        db,
        settings,
        decidim=fake,
        mailer=FileBackend(settings.mail_dir),  # type: ignore[arg-type]
        owner="test-writer",
        clock=clock,
    )


@pytest.fixture
def plan(
    db: Database,
    settings: Settings,
    sample_mappings: Mappings,
    templates: MessageTemplates,
    clock: Clock,
) -> Callable[..., list[int]]:
    """Record the writes of a sample plan version like the pipeline does (its own
    transaction)."""

    def record(
        sample: Sample,
        previous: Sample | None = None,
        *,
        can_answer: bool = True,
        link_maker: Any = None,
        **setting_overrides: Any,
    ) -> list[int]:
        caps = type("Caps", (), {"can_comment": True, "can_answer": can_answer})()
        use = settings if not setting_overrides else _with(settings, **setting_overrides)
        options = options_for(use, sample_mappings, caps)
        with db.begin() as conn:
            return record_writes(
                conn,
                sample.plan,
                sample.subject,
                sample_mappings,
                previous=previous.plan if previous is not None else None,
                options=options,
                templates=templates,
                link_maker=link_maker,
                now=clock(),
            )

    return record


def _with(settings: Settings, **values: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **values)
