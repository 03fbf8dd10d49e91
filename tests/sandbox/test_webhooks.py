"""The webhook emitter: the bridge's envelope, Standard Webhooks signatures, retries."""

from __future__ import annotations

import json
import threading
import time

import pytest
from conftest import SECRET, SECRET_KEY
from flask import Flask, request
from sandbox_support import FakeClock

from decidim_bridge.intake.envelope import parse_envelope
from decidim_bridge.intake.signatures import verify_standard
from decidim_bridge.sandbox.seed import load_seed
from decidim_bridge.sandbox.server import ServerThread
from decidim_bridge.sandbox.state import SandboxState
from decidim_bridge.sandbox.webhooks import WebhookEmitter, build_envelope


class Receiver:
    """A webhook endpoint that answers with scripted statuses and records what it got."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.app = Flask("receiver")
        self.app.add_url_rule("/hook", "hook", self.hook, methods=["POST"])

    def hook(self) -> tuple[str, int]:
        with self.lock:
            self.received.append((dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if self.statuses else 202
        return "", status


@pytest.fixture
def seeded() -> SandboxState:
    return load_seed(SandboxState(clock=FakeClock()), api_key="key-for-tests", api_secret="s" * 16)


def test_envelope_matches_the_bridges_schema(seeded):
    events = []
    seeded.subscribe(events.append)
    seeded.publish_proposal(114)
    envelope = build_envelope(seeded, events[0])
    assert envelope["type"] == "decidim.events.proposals.proposal_published"
    assert envelope["organization"] == {"host": "localhost"}
    assert envelope["resource"] == {
        "type": "Decidim::Proposals::Proposal",
        "id": "114",
        "url": "http://localhost:3000/processes/wijkinitiatieven/f/11/proposals/114",
    }
    assert envelope["component"] == {"id": "11", "manifest": "proposals"}
    assert envelope["participatory_space"] == {
        "type": "Decidim::ParticipatoryProcess",
        "id": "1",
        "slug": "wijkinitiatieven",
    }
    event = parse_envelope(envelope)
    assert (event.proposal_id, event.component_id, event.space_slug) == (
        "114",
        "11",
        "wijkinitiatieven",
    )


def test_comment_envelope_names_its_proposal(seeded):
    events = []
    seeded.subscribe(events.append)
    seeded.comment_as_resident(101, 3, "Leuk plan!")
    envelope = build_envelope(seeded, events[0])
    assert envelope["type"] == "decidim.events.comments.comment_created"
    assert parse_envelope(envelope).subject == "proposal:101"


def test_deliveries_are_signed_and_retried_with_the_same_id(seeded):
    receiver = Receiver(statuses=[503, 500, 202])
    with ServerThread(receiver.app) as server:
        emitter = WebhookEmitter(f"{server.url}/hook", SECRET, backoff_base=0.01).attach(seeded)
        seeded.publish_proposal(114)
        assert emitter.flush(10)
        emitter.stop()
    assert [h["Webhook-Id"] for h, _ in receiver.received] == [
        receiver.received[0][0]["Webhook-Id"]
    ] * 3
    for headers, body in receiver.received:
        verify_standard(headers, body, [SECRET_KEY], now=time.time())
    delivery = emitter.deliveries()[0]
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 202)
    assert delivery.to_dict()["body"]["resource"]["id"] == "114"


def test_client_errors_are_final_and_attempts_are_capped(seeded):
    receiver = Receiver(statuses=[401, 500, 500])
    with ServerThread(receiver.app) as server:
        emitter = WebhookEmitter(
            f"{server.url}/hook", SECRET, backoff_base=0.01, max_attempts=2
        ).attach(seeded)
        seeded.publish_proposal(114)
        seeded.withdraw_proposal(101)
        assert emitter.flush(10)
        emitter.stop()
    first, second = emitter.deliveries()
    assert (first.status, first.attempts, first.last_error) == (
        "failed",
        1,
        "HTTP 401 (not retried)",
    )
    assert (second.status, second.attempts, second.response_status) == ("failed", 2, 500)


def test_unreachable_receiver_is_retried_then_failed(seeded):
    receiver = Receiver()
    server = ServerThread(receiver.app)
    url = f"{server.url}/hook"
    server.server.server_close()  # nothing listens on that port any more
    emitter = WebhookEmitter(url, SECRET, backoff_base=0.01, max_attempts=3, timeout=1).attach(
        seeded
    )
    seeded.publish_proposal(114)
    assert emitter.flush(10)
    emitter.stop()
    delivery = emitter.deliveries()[0]
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, None)
    assert "ConnectionError" in (delivery.last_error or "")


def test_event_type_filter_and_detach(seeded):
    emitter = WebhookEmitter(
        "http://127.0.0.1:9/hook",
        SECRET,
        event_types=frozenset({"decidim.events.proposals.proposal_withdrawn"}),
    )
    emitter.paused = True
    emitter.attach(seeded)
    seeded.publish_proposal(114)
    seeded.withdraw_proposal(114)
    assert [d.event_type for d in emitter.deliveries()] == [
        "decidim.events.proposals.proposal_withdrawn"
    ]
    emitter.detach()
    seeded.update_proposal(101, title={"nl": "Een nieuwe titel voor de gemeenschapstuin"})
    assert len(emitter.deliveries()) == 1
    emitter.stop()


def test_module_events_keep_their_stable_webhook_id_and_can_be_left_out(seeded):
    receiver = Receiver(statuses=[503, 202])
    with ServerThread(receiver.app) as server:
        emitter = WebhookEmitter(f"{server.url}/hook", SECRET, backoff_base=0.01).attach(seeded)
        without_module = WebhookEmitter(f"{server.url}/hook", SECRET, skip_prefix="decidim.bridge.")
        without_module.paused = True
        without_module.attach(seeded)
        seeded.create_note(101, "Notitie", by="marieke_kok")
        assert emitter.flush(10)
        emitter.stop()
    ids = [h["Webhook-Id"] for h, _ in receiver.received]
    assert ids == ["decidim-bridge-proposal_note_created-1"] * 2
    for headers, body in receiver.received:
        verify_standard(headers, body, [SECRET_KEY], now=time.time())
    envelope = parse_envelope(emitter.deliveries()[0].to_dict()["body"])
    assert (envelope.type, envelope.proposal_id) == (
        "decidim.bridge.proposal_note_created",
        "101",
    )
    assert without_module.deliveries() == []
    seeded.publish_proposal(114)
    assert [d.event_type for d in without_module.deliveries()] == [
        "decidim.events.proposals.proposal_published"
    ]
    without_module.stop()


class SlowReceiver(Receiver):
    """Answers after a pause and records how many requests it held at once."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = 0
        self.most = 0

    def hook(self) -> tuple[str, int]:
        with self.lock:
            self.holding += 1
            self.most = max(self.most, self.holding)
        time.sleep(0.1)
        with self.lock:
            self.holding -= 1
        return super().hook()


@pytest.mark.parametrize("senders", [1, 3])
def test_several_senders_deliver_at_once_one_keeps_the_order(seeded, senders):
    receiver = SlowReceiver()
    with ServerThread(receiver.app) as server:
        emitter = WebhookEmitter(f"{server.url}/hook", SECRET, senders=senders).attach(seeded)
        seeded.publish_proposal(114)
        for proposal_id in (101, 102, 103, 104, 105):
            seeded.withdraw_proposal(proposal_id)
        assert emitter.flush(10)
        emitter.stop()
    delivered = [d for d in emitter.deliveries() if d.status == "delivered"]
    assert len(delivered) == len(receiver.received) == 6
    if senders == 1:
        assert receiver.most == 1
        ids = [json.loads(body)["resource"]["id"] for _, body in receiver.received]
        assert ids == ["114", "101", "102", "103", "104", "105"]
    else:
        assert receiver.most > 1


def test_at_least_one_sender():
    with pytest.raises(ValueError, match="senders"):
        WebhookEmitter("http://127.0.0.1:1/hook", SECRET, senders=0)
