"""The poller over a real database with a scripted Decidim (sweeps, restarts, backfill).

The end-to-end version against the embedded sandbox is in ``test_poller_sandbox.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from decidim_bridge.errors import DecidimUnavailable, NotFound
from decidim_bridge.intake.delivery import parse_stored
from decidim_bridge.proposals import ParticipatorySpace, Proposal
from decidim_bridge.sources.poller import ComponentTarget, Poller, PollTarget, targets_from_scope
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store import poller as poller_store

PUBLISHED = "decidim.events.proposals.proposal_published"
SPACE = ParticipatorySpace(type="Decidim::ParticipatoryProcess", id="1")
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TARGET = PollTarget(
    "Wijkinitiatieven",
    "participatory_process",
    "wijkinitiatieven",
    slug="wijkinitiatieven",
    components=("11",),
)


@dataclasses.dataclass
class FakeComponent:
    id: str
    type: str

    @property
    def is_proposals(self) -> bool:
        return self.type == "Proposals"


class FakeDecidim:
    """Published proposals per component, read in pages of 50 like the real client."""

    def __init__(self) -> None:
        self.proposals: dict[str, dict[str, Proposal]] = {"11": {}}
        self.pages = 0
        self.listed = 0
        self.fail_after_pages: int | None = None
        self.clock = T0

    def add(self, component: str = "11", count: int = 1) -> list[Proposal]:
        made = []
        for _ in range(count):
            self.clock += timedelta(minutes=1)
            number = str(1000 + sum(len(v) for v in self.proposals.values()) + 1)
            proposal = Proposal(
                id=number,
                component_id=component,
                space=SPACE,
                title={"nl": f"Initiatief {number}"},
                body={"nl": "Een bankje bij de speeltuin."},
                published_at=self.clock,
                updated_at=self.clock,
            )
            self.proposals.setdefault(component, {})[number] = proposal
            made.append(proposal)
        return made

    def change(self, proposal_id: str, **changes: Any) -> None:
        for component in self.proposals.values():
            if proposal_id in component:
                self.clock += timedelta(minutes=1)
                component[proposal_id] = dataclasses.replace(
                    component[proposal_id], updated_at=self.clock, **changes
                )

    def iter_proposals(self, component_id: str, *, order: Any = None) -> Iterator[Proposal]:
        assert order == {"id": "ASC"}
        if component_id not in self.proposals:
            raise NotFound(f"Proposals component {component_id} is not visible in Decidim.")
        items = sorted(self.proposals[component_id].values(), key=lambda p: int(p.id))
        for start in range(0, max(len(items), 1), 50):
            if self.fail_after_pages is not None and self.pages >= self.fail_after_pages:
                raise DecidimUnavailable("Decidim answered 503")
            self.pages += 1
            yield from items[start : start + 50]

    def list_components(self, space_type: str, key: str) -> list[FakeComponent]:
        self.listed += 1
        return [FakeComponent("11", "Proposals"), FakeComponent("12", "Meetings")]


@pytest.fixture
def decidim() -> FakeDecidim:
    return FakeDecidim()


def make_poller(db: Database, decidim: FakeDecidim, **kwargs: Any) -> Poller:
    return Poller(db, decidim, tenant="localhost", targets=[TARGET], **kwargs)


def events(db: Database) -> list[inbox_store.InboxRow]:
    with db.read() as conn:
        rows = inbox_store.list_rows(conn, limit=10_000)
    return sorted(rows, key=lambda r: r.id)


def sweep(db: Database, decidim: FakeDecidim, **kwargs: Any) -> list[str]:
    """One round; the event types it stored."""
    before = len(events(db))
    (report,) = make_poller(db, decidim).sweep_all(**kwargs)
    assert report.error is None
    return [r.event_type for r in events(db)[before:]]


def test_first_sweep_reports_existing_proposals_once(db, decidim, settings):
    decidim.add(count=120)
    assert sweep(db, decidim) == [PUBLISHED] * 120
    first = parse_stored("poller", events(db)[0].body, tenant=settings.tenant)
    assert first.extra["existing"] is True and "write_existing" not in first.extra
    assert {r.space for r in events(db)} == {first.space}  # the inbox's turns
    assert first.space.endswith(f"/{first.space_id}")
    assert first.extra["detected_by"] == "baseline"
    assert sweep(db, decidim) == []
    assert decidim.pages == 6
    with db.read() as conn:
        state = poller_store.component_state(conn, tenant="localhost", component_id="11")
        assert poller_store.seen_count(conn, tenant="localhost", component_id="11") == 120
    assert state is not None and state.baseline_at is not None
    assert state.proposals == 120


def test_each_kind_of_change_is_one_event_and_only_once(db, decidim, settings):
    (existing,) = decidim.add()
    assert sweep(db, decidim) == [PUBLISHED]
    (new,) = decidim.add()
    assert sweep(db, decidim) == ["decidim.events.proposals.proposal_published"]
    decidim.change(existing.id, body={"nl": "Twee bankjes bij de speeltuin."})
    assert sweep(db, decidim) == ["decidim.events.proposals.proposal_updated"]
    decidim.change(existing.id, comments_count=4)  # updatedAt moves, content does not
    assert sweep(db, decidim) == []
    decidim.change(existing.id, state="accepted", answered_at=decidim.clock)
    assert sweep(db, decidim) == ["decidim.events.proposals.proposal_state_changed"]
    decidim.change(new.id, withdrawn=True)
    assert sweep(db, decidim) == ["decidim.events.proposals.proposal_withdrawn"]
    assert sweep(db, decidim) == []

    rows = events(db)
    assert {r.source for r in rows} == {"poller"}
    assert [r.subject for r in rows] == [
        f"proposal:{i}" for i in (existing.id, new.id, existing.id, existing.id, new.id)
    ]
    assert "existing" not in parse_stored("poller", rows[1].body, tenant=settings.tenant).extra
    answered = parse_stored("poller", rows[3].body, tenant=settings.tenant)
    assert (answered.proposal_id, answered.component_id, answered.space_slug) == (
        existing.id,
        "11",
        "wijkinitiatieven",
    )
    assert answered.extra["state"] == "accepted"


def test_a_restarted_poller_emits_nothing_twice(db, decidim):
    decidim.add(count=10)
    make_poller(db, decidim).sweep_all()
    decidim.add(count=3)
    for proposal_id in ("1001", "1002"):
        decidim.change(proposal_id, state="rejected", answered_at=decidim.clock)
    first = make_poller(db, decidim).sweep_all()
    assert first[0].events == {"published": 3, "state_changed": 2}
    # A new process, same database: nothing is news any more.
    again = make_poller(db, decidim).sweep_all()
    assert again[0].events == {} and again[0].already_stored == 0
    assert len(events(db)) == 10 + 5


def test_a_sweep_that_breaks_off_keeps_its_pages_and_the_next_one_completes(db, decidim):
    decidim.add(count=10)
    make_poller(db, decidim).sweep_all()
    decidim.add(count=120)  # three pages after the baseline's ten
    decidim.fail_after_pages = decidim.pages + 2
    (report,) = make_poller(db, decidim).sweep_all()
    assert report.error == "Decidim answered 503"
    assert report.events == {"published": 90}  # the ten old ones + 90 new in two pages
    with db.read() as conn:
        state = poller_store.component_state(conn, tenant="localhost", component_id="11")
    assert state is not None and state.last_error == "Decidim answered 503"
    decidim.fail_after_pages = None
    (report,) = make_poller(db, decidim).sweep_all()
    assert report.error is None
    assert report.events == {"published": 30}
    assert len(events(db)) == 130
    assert len({r.delivery_key for r in events(db)}) == 130


def test_an_interrupted_first_sweep_reports_each_existing_proposal_once(db, decidim):
    decidim.add(count=120)
    decidim.fail_after_pages = 1
    make_poller(db, decidim).sweep_all()
    assert len(events(db)) == 50
    decidim.fail_after_pages = None
    assert sweep(db, decidim) == [PUBLISHED] * 70
    assert sweep(db, decidim) == []


def test_backfill_reports_every_proposal_once(db, decidim, settings):
    decidim.add(count=60)
    make_poller(db, decidim).sweep_all()  # the first sweep reported them already
    (report,) = make_poller(db, decidim).sweep_all(backfill=True)
    assert report.mode == "backfill"
    assert report.events == {} and report.already_stored == 60
    # Asking for public writes on them is news of its own, once.
    (write,) = make_poller(db, decidim).sweep_all(backfill=True, write_existing=True)
    assert write.events == {"published": 60}
    last = parse_stored("poller", events(db)[-1].body, tenant=settings.tenant)
    assert last.extra["existing"] is True and last.extra["write_existing"] is True
    (again,) = make_poller(db, decidim).sweep_all(backfill=True, write_existing=True)
    assert again.events == {} and again.already_stored == 60
    assert sweep(db, decidim) == []


def test_backfill_before_any_poll_sets_the_baseline(db, decidim):
    decidim.add(count=5)
    assert len(sweep(db, decidim, backfill=True)) == 5
    decidim.add()
    assert sweep(db, decidim) == ["decidim.events.proposals.proposal_published"]


def test_spaces_without_a_component_list_are_asked_once_per_ttl(db, decidim):
    now = [0.0]
    target = dataclasses.replace(TARGET, components=())
    poller = Poller(
        db, decidim, tenant="localhost", targets=[target], clock=lambda: now[0], discovery_ttl=600
    )
    assert poller.components() == [ComponentTarget("11", "Wijkinitiatieven", "wijkinitiatieven")]
    poller.sweep_all()
    poller.sweep_all()
    assert decidim.listed == 1
    now[0] = 601
    poller.sweep_all()
    assert decidim.listed == 2


def test_one_failing_component_does_not_stop_the_others(db, decidim):
    target = dataclasses.replace(TARGET, components=("99", "11"))
    decidim.add(count=2)
    reports = Poller(db, decidim, tenant="localhost", targets=[target]).sweep_all()
    assert [(r.component_id, r.error is None) for r in reports] == [("99", False), ("11", True)]
    assert "not visible" in (reports[0].error or "")


def test_targets_come_from_the_act_on_spaces_of_the_scope():
    from decidim_bridge.rules.model import Scope, SpaceRule

    scope = Scope(
        act_on=(
            SpaceRule(
                "Wijkinitiatieven", "participatory_process", "1", "wijkinitiatieven", ("11",)
            ),
            SpaceRule("Buurtbudget", "assembly", "4", None),
        ),
        ignore=(SpaceRule("Begroting 2027", "participatory_process", "2", "begroting-2027"),),
    )
    assert targets_from_scope(scope) == [
        PollTarget(
            "Wijkinitiatieven",
            "participatory_process",
            "wijkinitiatieven",
            "wijkinitiatieven",
            ("11",),
        ),
        PollTarget("Buurtbudget", "assembly", "4", None, ()),
    ]


def test_on_postgresql_too(pg_db, decidim):
    decidim.add(count=55)
    assert sweep(pg_db, decidim) == [PUBLISHED] * 55
    decidim.change("1001", state="accepted", answered_at=decidim.clock)
    decidim.add()
    assert sweep(pg_db, decidim) == [
        "decidim.events.proposals.proposal_state_changed",
        "decidim.events.proposals.proposal_published",
    ]
    assert sweep(pg_db, decidim) == []


def test_a_proposal_repeated_within_a_page_is_handled_once(pg_db, decidim):
    decidim.add(count=3)
    original = decidim.iter_proposals

    def repeating(component_id: str, *, order: Any = None) -> Iterator[Proposal]:
        items = list(original(component_id, order=order))
        return iter([*items, items[-1]])

    decidim.iter_proposals = repeating  # type: ignore[method-assign]
    (report,) = make_poller(pg_db, decidim).sweep_all(backfill=True)
    assert (report.proposals, report.events, report.already_stored) == (3, {"published": 3}, 0)
    assert len(events(pg_db)) == 3


def test_a_scheduled_sweep_requests_each_page_after_the_live_work(db, decidim):
    """While webhook events or Decidim writes wait, the next page waits too."""
    decidim.add(count=120)  # three pages
    busy = [True, True, False, True, False, False]
    log: list[str] = []

    def live() -> bool:
        log.append(f"look after {decidim.pages} page(s)")
        return busy.pop(0) if busy else False

    poller = make_poller(
        db, decidim, live_work=live, live_work_wait=60.0, sleep=lambda s: log.append(f"wait {s}")
    )
    (report,) = poller.sweep_all()
    assert report.error is None and report.proposals == 120
    assert log == [
        "look after 0 page(s)",
        "wait 0.5",
        "look after 0 page(s)",
        "wait 0.5",
        "look after 0 page(s)",
        "look after 1 page(s)",
        "wait 0.5",
        "look after 1 page(s)",
        "look after 2 page(s)",
    ]


def test_a_sweep_waits_for_the_live_work_at_most_its_allowance(db, decidim):
    decidim.add(count=120)
    waits: list[float] = []
    poller = make_poller(
        db, decidim, live_work=lambda: True, live_work_wait=1.2, sleep=waits.append
    )
    (report,) = poller.sweep_all()
    assert report.proposals == 120 and decidim.pages == 3
    assert waits == [0.5, 0.5, pytest.approx(0.2)]


def test_each_sweep_has_an_allowance_of_its_own(db, decidim):
    decidim.add(count=120)
    waits: list[float] = []
    poller = make_poller(
        db, decidim, live_work=lambda: True, live_work_wait=1.2, sleep=waits.append
    )
    poller.sweep_all()
    poller.sweep_all()
    assert waits == [0.5, 0.5, pytest.approx(0.2)] * 2


def test_a_poller_of_the_scheduled_job_yields_one_of_an_operator_does_not(db, settings):
    from decidim_bridge.live_work import queued
    from decidim_bridge.sources.poller import LIVE_WORK_WINDOWS

    scheduled = Poller.from_settings(settings, db, yield_to_live_work=True)
    asked = Poller.from_settings(settings, db)
    assert scheduled.deferral is not None and asked.deferral is None
    assert scheduled.deferral.allowed == LIVE_WORK_WINDOWS * settings.decidim_rate_window
    assert queued(db, 100.0) is False
    assert scheduled.deferral.queued() is False


def test_events_are_received_when_their_page_was_asked_for(db, decidim):
    """No later than the page's request: the worker may plan from what the sweep read
    (``pipeline.swept``) only when no plan was stored after that moment."""
    decidim.add(count=60)
    ticks = iter(range(100, 10_000, 10))
    served_at: list[float] = []
    poller = make_poller(db, decidim, clock=lambda: float(next(ticks)))
    pages = decidim.iter_proposals

    def iter_proposals(component_id, *, order=None):
        for proposal in pages(component_id, order=order):
            if len(served_at) < decidim.pages:
                served_at.append(float(next(ticks)))  # the page's answer
            yield proposal

    decidim.iter_proposals = iter_proposals
    poller.sweep_all()
    received = sorted({r.received_at for r in events(db)})
    assert len(received) == 2 and len(served_at) == 2
    assert received[0] < served_at[0] < received[1] < served_at[1]
