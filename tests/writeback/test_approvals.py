"""after-approval publication: nothing public until the lead approves via a signed link."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest
from writeback.samples import garden

from decidim_bridge.app import create_app
from decidim_bridge.errors import LinkError
from decidim_bridge.links import make_token, read_token
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.approvals import make_link_maker


def test_tokens_verify_expire_and_resist_tampering() -> None:
    token, claim = make_token(
        b"s" * 32,
        tenant="localhost",
        proposal_id="101",
        plan_version=2,
        action="approve",
        advisor="a@x.example",
        now=1000.0,
        ttl_hours=1,
    )
    assert read_token(b"s" * 32, token, now=1000.0) == claim
    with pytest.raises(LinkError):
        read_token(b"s" * 32, token, now=1000.0 + 3601)
    with pytest.raises(LinkError):
        read_token(b"t" * 32, token, now=1000.0)
    body, mac = token.split(".")
    with pytest.raises(LinkError):
        read_token(b"s" * 32, body[:-2] + "AA." + mac, now=1000.0)


#: What a browser sends with the page's own form (the page's origin is the public URL).
SAME_SITE = {"Origin": "http://localhost:8000"}


def _links(db, settings, plan, clock):
    maker = make_link_maker(settings, now=clock())
    plan(garden(), link_maker=maker, publication_mode="after-approval")
    with db.read() as conn:
        rows = store.list_rows(conn, limit=50)
    lead_mail = next(r for r in rows if r.purpose == "advisor" and r.recipient.startswith("a."))
    urls = re.findall(r"http://localhost:8000/approvals/[A-Za-z0-9_.-]+", lead_mail.data["text"])
    return rows, urls


def test_public_writes_wait_for_approval_then_publish_once(
    db, settings, plan, writer, fake, clock
) -> None:
    rows, (approve, _hold) = _links(db, settings, plan, clock)
    assert {r.status for r in rows if r.public} == {"held"}
    writer.drain()
    assert fake.comments == {}  # nothing public yet; mails went out

    app = create_app(settings)
    app.extensions["bridge"].clock = clock
    client = app.test_client()
    path = approve.replace("http://localhost:8000", "")
    page = client.get(path)
    assert page.status_code == 200 and b'<form method="post">' in page.data
    assert fake.comments == {}  # looking at the page decides nothing

    done = client.post(path, headers=SAME_SITE)
    assert done.status_code == 200 and b"gepubliceerd" in done.data
    again = client.post(path, headers=SAME_SITE)
    assert again.status_code == 409  # each link works once
    writer.drain()
    assert len(fake.comments["101"]) == 1
    with db.read() as conn:
        (decision,) = store.decisions(conn, tenant="localhost", proposal_id="101")
    assert decision.decision == "approve"
    assert decision.decided_by == "a.devries@lindeburg.example"
    assert decision.decided_at == clock()
    assert decision.released == 2


def test_hold_keeps_the_message_back_until_approved(db, settings, plan, writer, fake, clock):
    _, (approve, hold) = _links(db, settings, plan, clock)
    app = create_app(settings)
    app.extensions["bridge"].clock = clock
    client = app.test_client()
    hold_path = hold.replace("http://localhost:8000", "")
    assert client.post(hold_path, headers=SAME_SITE).status_code == 200
    writer.drain()
    assert fake.comments == {}
    with db.read() as conn:
        assert {r.status for r in store.list_rows(conn) if r.public} == {"withheld"}
    approve_path = approve.replace("http://localhost:8000", "")
    assert client.post(approve_path, headers=SAME_SITE).status_code == 200
    writer.drain()
    assert len(fake.comments["101"]) == 1


def test_a_forged_or_expired_link_is_refused(db, settings, plan, clock) -> None:
    _, (approve, _) = _links(db, settings, plan, clock)
    app = create_app(settings)
    clock.advance(settings.link_ttl_hours * 3600 + 1)
    app.extensions["bridge"].clock = clock
    client = app.test_client()
    approve_path = approve.replace("http://localhost:8000", "")
    assert client.post(approve_path, headers=SAME_SITE).status_code == 403
    assert client.get("/approvals/not-a-token").status_code == 403


def _page_client(settings, clock):
    app = create_app(settings)
    app.extensions["bridge"].clock = clock
    return app.test_client()


def test_the_page_speaks_the_browsers_language_from_the_words_files(db, settings, plan, clock):
    _, (approve, _hold) = _links(db, settings, plan, clock)
    client = _page_client(settings, clock)
    path = approve.replace("http://localhost:8000", "")

    english = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    dutch = client.get(path, headers={"Accept-Language": "de"})

    assert b'<html lang="en">' in english.data
    assert b"Approve: publish the message on initiative 101 (plan version 1)." in english.data
    assert b"<button" in english.data and b"Approve and publish</button>" in english.data
    assert b'<html lang="nl">' in dutch.data and b"Akkoord en publiceren</button>" in dutch.data
    for page in (english, dutch):
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert b'<meta name="robots" content="noindex">' in page.data


def test_a_used_link_shows_who_used_it_and_offers_no_button(db, settings, plan, clock):
    _, (approve, _hold) = _links(db, settings, plan, clock)
    client = _page_client(settings, clock)
    path = approve.replace("http://localhost:8000", "")
    assert client.post(path, headers=SAME_SITE).status_code == 200

    page = client.get(path, headers={"Accept-Language": "en"})

    assert page.status_code == 409
    assert b"by a.devries@lindeburg.example" in page.data
    assert b"<form" not in page.data


def test_a_bad_link_is_refused_in_words_and_lines_are_escaped(settings, clock, tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(settings.mappings_dir, mappings)
    words = mappings / "texts" / "nl.yaml"
    text = words.read_text(encoding="utf-8")
    words.write_text(
        text.replace('invalid: "Deze link werkt niet (meer)."', 'invalid: "<b>Kapot</b>"'),
        encoding="utf-8",
    )
    client = _page_client(replace(settings, mappings_dir=mappings), clock)

    page = client.get("/approvals/not-a-token")

    assert page.status_code == 403
    assert b"&lt;b&gt;Kapot&lt;/b&gt;" in page.data and b"<b>" not in page.data


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/form.html"},
        {},  # a browser always sends Origin with a form post; no header is no browser form
        {"Origin": "http://localhost:8000.evil.example"},
    ],
)
def test_a_cross_site_post_is_refused_and_decides_nothing(db, settings, plan, clock, headers):
    _, (approve, _hold) = _links(db, settings, plan, clock)
    client = _page_client(settings, clock)
    path = approve.replace("http://localhost:8000", "")

    refused = client.post(path, headers=headers)

    assert refused.status_code == 403
    with db.read() as conn:
        assert store.decisions(conn, tenant="localhost", proposal_id="101") == []
        assert {r.status for r in store.list_rows(conn) if r.public} == {"held"}
    assert client.post(path, headers=SAME_SITE).status_code == 200  # the link still works


def test_a_post_from_the_page_itself_may_carry_only_a_referer(db, settings, plan, clock):
    _, (approve, _hold) = _links(db, settings, plan, clock)
    client = _page_client(settings, clock)
    path = approve.replace("http://localhost:8000", "")
    page = client.post(path, headers={"Referer": "http://localhost:8000" + path})
    assert page.status_code == 200
