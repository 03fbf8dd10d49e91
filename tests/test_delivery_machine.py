"""Stateful property test: redeliveries, worker crashes and lease expiry change nothing.

Rules deliver new events, redeliver earlier ones (same id, fresh timestamp), let a worker
handle one event, let a worker "crash" (claim an event and vanish), and move the clock.
Invariants: each delivery id is stored once; no event is handled twice; events of one
proposal are handled in delivery order; once the clock passes every lease, everything
that was delivered gets handled.
"""

from __future__ import annotations

from conftest import SECRET, dumps, envelope, standard_headers
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from decidim_bridge.app import create_app
from decidim_bridge.config import load_settings
from decidim_bridge.store import inbox
from decidim_bridge.worker import Worker

EVENT = "decidim.events.proposals.proposal_published"
LEASE = 30.0


class DeliveryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.tmp = tempfile.TemporaryDirectory()
        self.now = 1_900_000_000.0
        self.settings = load_settings(
            environ={},
            instance_dir=self.tmp.name,
            webhook_secrets=(SECRET,),
            worker_lease_seconds=LEASE,
            group_commit=False,
        )
        self.app = create_app({**_fields(self.settings), "clock": lambda: self.now})
        self.db = self.app.extensions["bridge"].db
        self.db.upgrade()
        self.client = self.app.test_client()
        self.handled: list[int] = []
        self.delivered: dict[str, int] = {}  # delivery id -> proposal
        self.worker = Worker(self.db, self.settings, {EVENT: self._handle}, clock=lambda: self.now)

    def _handle(self, event, ctx) -> str:
        self.handled.append(ctx.row.id)
        return "handled"

    def teardown(self) -> None:
        self.db.dispose()
        self.tmp.cleanup()

    def _post(self, msg_id: str, proposal: int) -> int:
        body = dumps(envelope(proposal_id=proposal))
        headers = standard_headers(body, msg_id=msg_id, timestamp=int(self.now))
        return self.client.post("/webhooks/decidim", data=body, headers=headers).status_code

    @rule(proposal=st.integers(min_value=1, max_value=2))
    def deliver(self, proposal: int) -> None:
        msg_id = f"msg_{len(self.delivered)}"
        assert self._post(msg_id, proposal) == 202
        self.delivered[msg_id] = proposal

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def redeliver(self, data) -> None:
        msg_id = data.draw(st.sampled_from(sorted(self.delivered)))
        assert self._post(msg_id, self.delivered[msg_id]) == 200

    @rule()
    def worker_step(self) -> None:
        self.worker.run_once()

    @rule()
    def worker_crashes_mid_event(self) -> None:
        with self.db.begin() as conn:
            inbox.claim(conn, owner="crashed", now=self.now, lease_seconds=LEASE)

    @rule(seconds=st.sampled_from([1.0, 10.0, LEASE + 1]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds

    @invariant()
    def stored_once_handled_once_in_order(self) -> None:
        with self.db.read() as conn:
            rows = inbox.list_rows(conn, limit=10_000)
        assert sorted(r.delivery_key for r in rows) == sorted(self.delivered)
        assert len(self.handled) == len(set(self.handled))
        by_id = {r.id: r for r in rows}
        for proposal in {r.subject for r in rows}:
            order = [i for i in self.handled if by_id[i].subject == proposal]
            assert order == sorted(order)

    def check_everything_gets_handled(self) -> None:
        self.now += LEASE + 1
        while self.worker.run_once():
            pass
        assert sorted(self.handled) == sorted(r.id for r in _all_rows(self.db))


def _all_rows(db):
    with db.read() as conn:
        return inbox.list_rows(conn, limit=10_000)


def _fields(s) -> dict:
    return {
        "instance_dir": s.instance_dir,
        "webhook_secrets": s.webhook_secrets,
        "worker_lease_seconds": s.worker_lease_seconds,
        "group_commit": False,
    }


class DrainingMachine(DeliveryMachine):
    def teardown(self) -> None:
        try:
            self.check_everything_gets_handled()
        finally:
            super().teardown()


DrainingMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestDeliveries = DrainingMachine.TestCase
