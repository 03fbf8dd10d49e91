"""The poller: sweep proposals components through the API and put what changed in the inbox.

For Decidim instances where nothing can be installed. Which components: the spaces the
bridge acts on (``act_on`` in ``mappings/scope.yaml``); a space without a component list is
asked for its proposals components. Each sweep reads every published proposal of a
component (50 per page, ordered by id, through the shared request budget at the poller's
share), and per page stores the synthesized events (``sources.sweep``) and the new copies
in one transaction. Before each page a scheduled sweep lets the live work go first
(``decidim_bridge.live_work``): while webhook events wait in the inbox or Decidim writes in
the outbox, it waits, at most ``LIVE_WORK_WINDOWS`` of Decidim's throttle windows per sweep,
so that a sweep falling in a burst does not take the requests the residents' comments wait
for (the webhooks are working then; the sweep only looks for what they missed). The first
sweep of a component reports what exists as *existing* proposals (planned, but nothing
public is written on answered or old ones: see ``plan.existing``); ``backfill`` does so
again for every proposal, and ``write_existing`` asks for public writes on them too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from prometheus_client import Counter, Histogram

from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError, ConfigError
from decidim_bridge.live_work import MAX_WINDOWS, Deferral, queued
from decidim_bridge.proposals import Proposal
from decidim_bridge.sources import POLLER_SOURCE, sweep
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store import poller as poller_store

log = logging.getLogger(__name__)

PAGE_SIZE = 50
#: How many of Decidim's throttle windows a sweep waits at most for the live work to drain.
LIVE_WORK_WINDOWS = MAX_WINDOWS
#: Seconds between looks at the live work while a sweep waits for it.
LIVE_WORK_CHECK = 0.5

SYNTHESIZED = Counter(
    "bridge_poller_events", "Events the poller put in the inbox, by kind of change.", ["kind"]
)
SWEEPS = Counter(
    "bridge_poller_sweeps", "Component sweeps by mode and outcome.", ["mode", "outcome"]
)
SWEEP_SECONDS = Histogram(
    "bridge_poller_sweep_duration_seconds",
    "Duration of one component sweep (including waits for the request budget).",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)


class ProposalReader(Protocol):
    """What the poller needs of the Decidim client."""

    def iter_proposals(
        self, component_id: str | int, *, order: dict[str, str] | None = None
    ) -> Iterator[Proposal]: ...

    def list_components(self, space_type: str, space_id_or_slug: str | int) -> list[Any]: ...


@dataclass(frozen=True)
class PollTarget:
    """A participatory space to poll; ``components`` empty means: all its proposals ones."""

    name: str
    space_type: str  # participatory_process | assembly
    space_key: str  # id or slug
    slug: str | None = None
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComponentTarget:
    component_id: str
    space_name: str
    slug: str | None


@dataclass
class SweepReport:
    component_id: str
    mode: str
    proposals: int = 0
    events: dict[str, int] = field(default_factory=dict)
    already_stored: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def total_events(self) -> int:
        return sum(self.events.values())


def targets_from_scope(scope: Any) -> list[PollTarget]:
    """The ``act_on`` spaces of the mappings' scope (``rules.model.Scope``)."""
    targets = []
    for rule in scope.act_on:
        key = rule.slug or rule.space_id
        if not rule.space_type or not key:
            continue
        targets.append(
            PollTarget(
                name=rule.name,
                space_type=rule.space_type,
                space_key=str(key),
                slug=rule.slug,
                components=tuple(str(c) for c in rule.components),
            )
        )
    return targets


class Poller:
    """Sweeps the target components; one instance per process (``poll`` or ``backfill``)."""

    def __init__(
        self,
        db: Database,
        client: ProposalReader,
        *,
        tenant: str,
        targets: Sequence[PollTarget],
        clock: Callable[[], float] = time.time,
        discovery_ttl: float = 3600.0,
        live_work: Callable[[], bool] | None = None,
        live_work_wait: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        # Before each page, while ``live_work`` says it is queued: ``live_work_wait`` seconds
        # in all per sweep (restarted at its start).
        self.deferral = None if live_work is None else Deferral(live_work, live_work_wait)
        self.sleep = sleep
        self.client = client
        self.tenant = tenant
        self.targets = list(targets)
        self.clock = clock
        self.discovery_ttl = discovery_ttl
        self._components: list[ComponentTarget] | None = None
        self._discovered_at = 0.0

    @classmethod
    def from_settings(
        cls, settings: Settings, db: Database, *, yield_to_live_work: bool = False
    ) -> Poller:
        """The spaces the bridge acts on (``mappings/``), read through the shared budget at
        ``settings.poll_share`` so that webhook events always keep room; the scheduled
        sweeps also let the live work go first (``yield_to_live_work``), a sweep an
        operator asks for (``poll --once``, ``backfill``) does not wait for it."""
        from decidim_bridge.decidim.client import DecidimClient
        from decidim_bridge.rules.loader import load

        scope = load(settings.mappings_dir).scope
        targets = targets_from_scope(scope)
        if not targets:
            raise ConfigError("DECIDIM_BRIDGE_MAPPINGS_DIR", "scope.yaml lists no space to act on")
        client = DecidimClient.from_settings(settings, db, share=settings.poll_share)
        return cls(
            db,
            client,
            tenant=settings.tenant,
            targets=targets,
            live_work=(
                (lambda: queued(db, time.time(), settings.decidim_rate_window))
                if yield_to_live_work
                else None
            ),
            live_work_wait=LIVE_WORK_WINDOWS * settings.decidim_rate_window,
        )

    # --- which components -----------------------------------------------------------------

    def components(self) -> list[ComponentTarget]:
        """The components to sweep; spaces without a list are asked at most once per TTL."""
        now = self.clock()
        if self._components is None or now - self._discovered_at >= self.discovery_ttl:
            found: list[ComponentTarget] = []
            for target in self.targets:
                found += self._discover(target)
            self._components = list({c.component_id: c for c in found}.values())
            self._discovered_at = now
        return list(self._components)

    def _discover(self, target: PollTarget) -> list[ComponentTarget]:
        if target.components:
            ids: Iterable[str] = target.components
        else:
            listed = self.client.list_components(target.space_type, target.space_key)
            ids = [str(c.id) for c in listed if c.is_proposals]
            log.info(
                "proposals components discovered",
                extra={"space": target.name, "components": list(ids)},
            )
        return [ComponentTarget(str(i), target.name, target.slug) for i in ids]

    # --- sweeping -------------------------------------------------------------------------

    def sweep_all(
        self, *, backfill: bool = False, write_existing: bool = False
    ) -> list[SweepReport]:
        """Sweep every component once; errors are reported per component, not raised."""
        try:
            components = self.components()
        except BridgeError as error:
            log.error("cannot list the components to poll", extra={"error": error.message})
            return [SweepReport(component_id="*", mode="discover", error=error.message)]
        return [self.sweep(c, backfill=backfill, write_existing=write_existing) for c in components]

    def sweep(
        self, target: ComponentTarget, *, backfill: bool = False, write_existing: bool = False
    ) -> SweepReport:
        started = time.monotonic()
        component_id = target.component_id
        with self.db.begin() as conn:
            state = poller_store.component_state(
                conn, tenant=self.tenant, component_id=component_id
            )
            poller_store.sweep_started(
                conn, tenant=self.tenant, component_id=component_id, now=self.clock()
            )
        known = state is not None and state.baseline_at is not None
        mode = "backfill" if backfill else ("poll" if known else "baseline")
        report = SweepReport(component_id=component_id, mode=mode)
        if self.deferral is not None:
            self.deferral.restart()
        try:
            # Each page is requested when the loop asks for the chunk after the last.
            proposals = self.client.iter_proposals(component_id, order={"id": "ASC"})
            self._wait_for_quiet()
            while True:
                # Taking the chunk requests the page: no earlier than this, its events
                # learnt of their changes.
                asked_at = self.clock()
                chunk = list(islice(proposals, PAGE_SIZE))
                if not chunk:
                    break
                self._store_chunk(chunk, target, mode, report, write_existing, asked_at=asked_at)
                if len(chunk) < PAGE_SIZE:
                    break
                self._wait_for_quiet()
            with self.db.begin() as conn:
                poller_store.sweep_finished(
                    conn,
                    tenant=self.tenant,
                    component_id=component_id,
                    now=self.clock(),
                    proposals=report.proposals,
                    events=report.total_events,
                    baseline=not known,
                )
        except BridgeError as error:
            report.error = error.message
            log.error(
                "sweep failed; the next sweep starts over",
                extra={"component_id": component_id, "mode": mode, "error": error.message},
            )
            self._record_failure(component_id, error.message)
        report.seconds = time.monotonic() - started
        SWEEPS.labels(mode=mode, outcome="failed" if report.error else "done").inc()
        SWEEP_SECONDS.observe(report.seconds)
        log.info(
            "sweep finished" if not report.error else "sweep stopped",
            extra={
                "component_id": component_id,
                "mode": mode,
                "proposals": report.proposals,
                "events": report.events,
                "already_stored": report.already_stored,
                "seconds": round(report.seconds, 3),
            },
        )
        return report

    def _store_chunk(
        self,
        chunk: list[Proposal],
        target: ComponentTarget,
        mode: str,
        report: SweepReport,
        write_existing: bool = False,
        *,
        asked_at: float,
    ) -> None:
        """One page: compare, store the events and the new copies in one transaction. The
        events are received when the page was asked for (``asked_at``): each carries the
        proposal as read then, which the worker may plan from (``pipeline.swept``)."""
        component_id = target.component_id
        # Offset paging can repeat a proposal when others disappear meanwhile; keep one.
        chunk = list({str(p.id): p for p in chunk}.values())
        now = asked_at
        with self.db.begin() as conn:
            previous = poller_store.load_seen(
                conn,
                tenant=self.tenant,
                component_id=component_id,
                proposal_ids=[str(p.id) for p in chunk],
            )
            decisions = [
                sweep.decide(
                    proposal,
                    previous.get(str(proposal.id)),
                    tenant=self.tenant,
                    mode=mode,
                    slug=target.slug,
                    write_existing=write_existing,
                )
                for proposal in chunk
            ]
            stored: dict[str, int] = {}
            for decision in decisions:
                for event in decision.events:
                    result = inbox_store.store_delivery(
                        conn,
                        tenant=self.tenant,
                        source=POLLER_SOURCE,
                        delivery_key=event.delivery_key,
                        event_type=event.event_type,
                        subject=event.subject,
                        body=event.body,
                        body_sha256=event.body_sha256,
                        now=now,
                        space=event.space,
                    )
                    if result.duplicate:
                        report.already_stored += 1
                    else:
                        stored[event.kind] = stored.get(event.kind, 0) + 1
            poller_store.save_seen(
                conn,
                tenant=self.tenant,
                component_id=component_id,
                copies=[d.copy for d in decisions if d.changed],
                now=now,
            )
        # Counted only once the transaction is committed.
        report.proposals += len(chunk)
        for kind, count in stored.items():
            report.events[kind] = report.events.get(kind, 0) + count
            SYNTHESIZED.labels(kind=kind).inc(count)

    def _wait_for_quiet(self) -> None:
        """Wait while there is live work, as long as the sweep's allowance lasts."""
        if self.deferral is not None:
            self.deferral.wait(self.sleep, LIVE_WORK_CHECK)

    def _record_failure(self, component_id: str, message: str) -> None:
        try:
            with self.db.begin() as conn:
                poller_store.sweep_failed(
                    conn, tenant=self.tenant, component_id=component_id, error=message
                )
        except BridgeError:
            log.warning("could not record the failed sweep", extra={"component_id": component_id})

    # --- the loop -------------------------------------------------------------------------

    def run(self, *, interval: float, stop: threading.Event) -> None:
        """Sweep, wait ``interval`` seconds after the start of the previous round, repeat."""
        while not stop.is_set():
            began = time.monotonic()
            self.sweep_all()
            stop.wait(max(0.0, interval - (time.monotonic() - began)))
