"""Tests for decidim_bridge.digest.mailing: one outbox mail per subscriber and period,
recorded once, sent by the writer."""

from __future__ import annotations

import email
from datetime import date
from email import policy

import pytest
from plan_support import at, example_mappings

from decidim_bridge.digest.mailing import (
    ALREADY,
    EMPTY,
    PLANNED,
    digest_key,
    record_digest_mails,
)
from decidim_bridge.digest.model import Period
from decidim_bridge.mail import FileBackend
from decidim_bridge.pipeline import save_plan
from decidim_bridge.store import outbox
from decidim_bridge.writeback.writer import Writer

PLANNED_AT = "2027-05-20T12:00:00+02:00"
NOW = at("2027-06-02T09:00:00+02:00")
MAY = Period(date(2027, 5, 1), date(2027, 5, 31))
#: Subscribers with an initiative in May in the example data (see test_audience).
WITH_NEWS = {"weth-van-dijk", "weth-kramer", "commissie-ruimte", "commissie-samenleving"}


class _NoDecidim:
    """The writer needs no Decidim for mail; any call would be a mistake."""

    def __getattr__(self, name):
        raise AssertionError(f"Decidim called: {name}")


@pytest.fixture
def stored(db, settings, spring_proposals):
    for tenant in ("localhost", "other.example"):
        for proposal in spring_proposals:
            with db.begin() as conn:
                save_plan(
                    conn,
                    tenant=tenant,
                    proposal=proposal,
                    mappings=example_mappings(),
                    now=at(PLANNED_AT),
                    space_key="wijkinitiatieven",
                )
    return db


def _digest_rows(db):
    with db.read() as conn:
        return [r for r in outbox.list_rows(conn, limit=500) if r.purpose == "digest"]


def test_one_row_per_subscriber_with_news_and_none_twice(stored, settings, mappings):
    first = record_digest_mails(stored, settings, mappings, MAY, NOW)
    outcomes = {m.stakeholder_id: m.outcome for m in first}
    assert {k for k, v in outcomes.items() if v == PLANNED} == WITH_NEWS
    assert outcomes["wijkraad-west"] == EMPTY
    assert outcomes["burgemeester"] == EMPTY
    rows = _digest_rows(stored)
    assert len(rows) == len(WITH_NEWS)
    by_key = {r.effect_key: r for r in rows}
    for stakeholder_id in WITH_NEWS:
        row = by_key[digest_key("localhost", stakeholder_id, MAY)]
        assert row.kind == "mail" and row.status == "planned" and row.tenant == "localhost"
        assert row.recipient == mappings.stakeholder(stakeholder_id).contact.email
        assert row.data["stakeholder_id"] == stakeholder_id
    # Nobody without the digest preference gets one (wijkraad Noord, Team Groenbeheer...).
    assert {r.data["stakeholder_id"] for r in rows} == WITH_NEWS

    again = record_digest_mails(stored, settings, mappings, MAY, NOW + 3600)
    assert {m.stakeholder_id for m in again if m.outcome == ALREADY} == WITH_NEWS
    assert not [m for m in again if m.outcome == PLANNED]
    assert len(_digest_rows(stored)) == len(WITH_NEWS)


def test_another_period_is_another_mail(stored, settings, mappings):
    record_digest_mails(stored, settings, mappings, MAY, NOW)
    june = Period(date(2027, 5, 1), date(2027, 6, 30))
    later = record_digest_mails(stored, settings, mappings, june, NOW)
    assert {m.stakeholder_id for m in later if m.outcome == PLANNED} == WITH_NEWS
    assert len(_digest_rows(stored)) == 2 * len(WITH_NEWS)
    assert digest_key("localhost", "weth-kramer", MAY) != digest_key(
        "localhost", "weth-kramer", june
    )
    assert digest_key("localhost", "weth-kramer", MAY) != digest_key(
        "other.example", "weth-kramer", MAY
    )


def test_the_writer_delivers_the_dutch_digest_as_a_file(stored, settings, mappings):
    record_digest_mails(stored, settings, mappings, MAY, NOW)
    writer = Writer(
        stored,
        settings,
        decidim=_NoDecidim(),
        mailer=FileBackend(settings.mail_dir),
        clock=lambda: NOW,
    )
    assert writer.drain() == len(WITH_NEWS)
    assert all(r.status == "done" for r in _digest_rows(stored))
    files = sorted(settings.mail_dir.glob("*.eml"))
    assert len(files) == len(WITH_NEWS)
    messages = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    kramer = next(m for m in messages if "j.kramer@lindeburg.example" in str(m["To"]))
    # strip(): the long header is folded right after "Subject:", which the parser keeps.
    assert str(kramer["Subject"]).strip() == (
        "Raadsinformatiebrief burgerinitiatieven 1 mei 2027 tot en met 31 mei 2027"
    )
    assert str(kramer["To"]) == "Secretariaat wethouder Kramer <j.kramer@lindeburg.example>"
    assert kramer["Content-Language"] == "nl"
    text = kramer.get_body(("plain",)).get_content()
    assert "Voor: Wethouder Johan Kramer (Cultuur en sport)" in text
    assert "Speeltuin opknappen" in text and "Muurschildering bij de brug" in text
    assert "Buurtmoestuin" not in text  # Noord, groen: Van Dijk's portfolio
    assert "Aantal initiatieven: 2, waarvan 1 nieuw in deze periode" in text
    assert "Deze brief noemt alleen de initiatieven in uw wijk of portefeuille." in text
    html = kramer.get_body(("html",)).get_content()
    assert "<strong>Voor:</strong> Wethouder Johan Kramer" in html
    # A second drain sends nothing more.
    assert writer.drain() == 0
    assert len(list(settings.mail_dir.glob("*.eml"))) == len(WITH_NEWS)
