"""The writer against a scripted Decidim: exactly one comment whatever fails, when."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy

from writeback.samples import garden

from decidim_bridge.plan.model import Reason
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.keys import marker


def _rows(db, **filters):
    with db.read() as conn:
        return store.list_rows(conn, limit=500, **filters)


def _comments(fake, proposal="101"):
    return fake.comments.get(proposal, [])


def test_first_plan_writes_one_comment_one_answer_and_mails(db, plan, writer, fake, mail_dir):
    new = plan(garden())
    kinds = sorted(r.kind for r in _rows(db))
    # lead, co-advisor, introduction to the wijkraad (the wethouder hears on acceptance)
    assert kinds == ["decidim_answer", "decidim_comment"] + ["mail"] * 3
    assert len(new) == 5

    writer.drain()

    assert [r.status for r in _rows(db)] == ["done"] * 5
    (comment,) = _comments(fake)
    assert "Uw contactpersoon** is Anna de Vries" in comment.body
    assert "Ref. LB-" in comment.body and "<!-- decidim-bridge:" in comment.body
    assert len(comment.body) <= 1000
    assert fake.proposal("101").state == "evaluating"
    assert "wijkbudget Noord" in fake.proposal("101").answer["nl"]
    assert "Noord district budget" in fake.proposal("101").answer["en"]
    mails = sorted(mail_dir.glob("*.eml"))
    recipients = sorted(
        message_from_bytes(p.read_bytes(), policy=policy.default)["To"].addresses[0].addr_spec
        for p in mails
    )
    assert recipients == [
        "a.devries@lindeburg.example",
        "b.jansen@lindeburg.example",
        "wijkraad-noord@lindeburg.example",
    ]
    # Sender and reply-to come from the rules' policy.yaml.
    first = message_from_bytes(mails[0].read_bytes(), policy=policy.default)
    assert str(first["From"]) == "Gemeente Lindeburg <initiatieven@gemeente.example>"
    assert str(first["Reply-To"]) == "initiatieven@lindeburg.example"


def test_the_same_plan_recorded_again_writes_nothing_new(db, plan, writer, fake):
    sample = garden()
    plan(sample)
    writer.drain()
    for _ in range(3):
        assert plan(sample) == []
        writer.drain()
    assert len(_comments(fake)) == 1
    assert fake.count("answer_proposal") == 1


def test_timeout_after_decidim_applied_the_comment_does_not_post_it_twice(
    db, plan, writer, fake, clock, settings
):
    plan(garden())
    fake.faults.append(("write", "timeout_after_apply"))
    writer.drain()
    (comment_row,) = _rows(db, status="in_flight")
    assert comment_row.kind == "decidim_comment"
    assert len(_comments(fake)) == 1

    clock.advance(settings.reconcile_delay + 1)
    writer.drain()

    assert len(_comments(fake)) == 1
    row = store_row(db, comment_row.id)
    assert row.status == "done"
    assert row.remote_id == _comments(fake)[0].id
    assert "found in Decidim" in row.outcome
    assert fake.count("add_comment") == 1


def test_500_before_applying_is_written_once_after_reading_back(
    db, plan, writer, fake, clock, settings
):
    plan(garden())
    fake.faults.append(("write", "500"))
    writer.drain()
    assert _comments(fake) == []
    clock.advance(settings.reconcile_delay + 1)
    writer.drain()
    assert len(_comments(fake)) == 1
    assert fake.count("list_comments") == 1  # read before the second write
    assert fake.count("add_comment") == 2


def test_rate_limited_writes_wait_for_the_window_and_pause_decidim(db, plan, writer, fake, clock):
    plan(garden())
    fake.faults.extend([("write", "429")] * 3)
    writer.drain()
    # The comment waits; mail is not held up by Decidim's limit.
    statuses = {r.kind: r.status for r in _rows(db)}
    assert statuses["decidim_comment"] == "planned"
    assert {r.status for r in _rows(db) if r.kind == "mail"} == {"done"}
    calls_before = len(fake.calls)
    writer.drain()
    assert len(fake.calls) == calls_before  # nothing is sent before the window ends
    for _ in range(3):
        clock.advance(61)
        writer.drain()
    assert len(_comments(fake)) == 1
    assert {r.status for r in _rows(db)} == {"done"}
    assert store_row(db, _rows(db, status="done")[-1].id).attempts >= 1


def test_decidim_down_for_a_while_loses_nothing(db, plan, writer, fake, clock):
    plan(garden())
    fake.down = True
    for _ in range(20):
        writer.drain()
        clock.advance(120)
    assert not [r for r in _rows(db) if r.status == "dead"]
    assert _comments(fake) == []
    fake.down = False
    clock.advance(600)
    writer.drain()
    clock.advance(600)
    writer.drain()
    assert len(_comments(fake)) == 1
    assert {r.status for r in _rows(db)} == {"done"}


def test_permanent_refusal_is_dead_and_retry_by_command_writes_once(db, plan, writer, fake, clock):
    plan(garden())
    fake.faults.append(("write", "invalid"))
    writer.drain()
    (dead,) = _rows(db, status="dead")
    assert dead.kind == "decidim_comment"
    assert dead.last_error.startswith("GraphQLError")
    with db.begin() as conn:
        assert store.retry(conn, now=clock(), ids=[dead.id]) == 1
    writer.drain()
    assert store_row(db, dead.id).status == "done"
    assert len(_comments(fake)) == 1


def test_new_version_writes_only_what_changed_and_nothing_when_nothing_did(db, plan, writer, fake):
    v1 = garden()
    plan(v1)
    writer.drain()
    v2 = garden(version=2, notes=(Reason("expect.default"),))  # an internal note
    plan(v2, v1)
    writer.drain()
    assert len(_comments(fake)) == 1  # nothing residents were told changed
    assert fake.count("answer_proposal") == 1

    later = replace(v2.plan.expectations, decision_by="2027-01-29")
    v3 = garden(version=3, expectations=later)
    plan(v3, v2)
    writer.drain()
    comments = _comments(fake)
    assert len(comments) == 2
    update = comments[1].body
    assert update.startswith("Er is iets veranderd")
    assert "29 januari 2027" in update and "22 januari 2027" in update
    assert "gereedschapskist" not in update  # only what changed
    assert fake.count("answer_proposal") == 2


def test_an_answer_is_not_written_over_a_decision_made_in_decidim(db, plan, writer, fake):
    plan(garden())
    fake.proposal("101").state = "accepted"
    fake.proposal("101").answer = {"nl": "Aangenomen door het college."}
    writer.drain()
    (answer,) = [r for r in _rows(db) if r.kind == "decidim_answer"]
    assert answer.status == "superseded"
    assert "accepted" in answer.outcome
    assert fake.proposal("101").answer == {"nl": "Aangenomen door het college."}


def test_comment_marker_is_invisible_markdown(db, plan, writer, fake):
    sample = garden()
    plan(sample)
    writer.drain()
    (row,) = [r for r in _rows(db) if r.kind == "decidim_comment"]
    assert marker(row.effect_key) in _comments(fake)[0].body


def store_row(db, row_id):
    with db.read() as conn:
        return store.get(conn, row_id)
