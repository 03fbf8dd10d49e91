"""A first run on a Decidim with a history: existing proposals are planned, not greeted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from plan_support import at, example_mappings

from decidim_bridge import plan_versions
from decidim_bridge.handler_table import default_handlers
from decidim_bridge.proposals import ParticipatorySpace, Proposal
from decidim_bridge.services import Services
from decidim_bridge.sources.poller import Poller, PollTarget
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.worker import Worker

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = at("2027-04-20T11:00:00+02:00")
TODAY = date(2027, 4, 20)
SPACE = ParticipatorySpace("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven")
TARGET = PollTarget(
    "Wijkinitiatieven",
    "participatory_process",
    "wijkinitiatieven",
    slug="wijkinitiatieven",
    components=("11",),
)
PUBLIC = "http://localhost:3000/processes/wijkinitiatieven/f/11/proposals"
MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"


@dataclass
class _Component:
    id: str
    type: str = "Proposals"

    @property
    def is_proposals(self) -> bool:
        return True


class HistoricDecidim:
    """A Decidim that ran for years: what the poller lists and the pipeline reads."""

    def __init__(self, proposals: list[Proposal]) -> None:
        self.by_id = {str(p.id): p for p in proposals}

    def iter_proposals(self, component_id: str, *, order: Any = None) -> Iterator[Proposal]:
        yield from sorted(self.by_id.values(), key=lambda p: int(p.id))

    def list_components(self, space_type: str, key: str) -> list[_Component]:
        return [_Component("11")]

    def capabilities(self) -> None:
        return None  # comments only

    def fetch_proposal(self, proposal_id: str, component_id: str) -> Proposal | None:
        return self.by_id.get(str(proposal_id))


def history() -> list[Proposal]:
    """25 open ones from last year, 15 answered recently, 10 accepted long ago."""
    out = []
    for number in range(50):
        days_ago = 400 - number * 7 if number < 25 else (10 if number < 40 else 300)
        published = datetime(2027, 4, 20, 10, tzinfo=AMSTERDAM) - timedelta(days=days_ago)
        state, answered = None, None
        if 25 <= number < 40:
            state, answered = "evaluating", published + timedelta(days=3)
        elif number >= 40:
            state, answered = "accepted", published + timedelta(days=20)
        out.append(
            Proposal(
                id=str(2000 + number),
                component_id="11",
                space=SPACE,
                title={"nl": f"Buurtmoestuin aan de Kievitlaan {number}"},
                body={"nl": "Wij willen met de buren een moestuin met een partytent."},
                address="Kievitlaan 14, 7415 CK Lindeburg",
                state=state,
                answered_at=answered,
                published_at=published,
                updated_at=published,
                url=f"{PUBLIC}/{2000 + number}",
            )
        )
    return out


def run(db, settings, decidim, **sweep: Any) -> None:
    Poller(db, decidim, tenant=settings.tenant, targets=[TARGET]).sweep_all(backfill=True, **sweep)
    services = Services(settings=settings, db=db, decidim=decidim, mappings=example_mappings())
    worker = Worker(db, settings, default_handlers(), services=services, clock=lambda: NOW)
    while worker.run_once():
        pass


def writes(db):
    with db.read() as conn:
        return outbox_store.list_rows(conn, limit=10_000)


def test_backfill_plans_existing_proposals_but_writes_nothing_public(db, settings):
    decidim = HistoricDecidim(history())
    run(db, settings, decidim)
    assert [w for w in writes(db) if w.public] == []
    assert writes(db) == []  # nor mails about proposals that were there before
    with db.read() as conn:
        stored = [
            plan_versions.current_version(conn, settings.tenant, pid) for pid in decidim.by_id
        ]
    assert all(s is not None for s in stored) and len(stored) == 50
    open_plans = [s.plan for s in stored if s.plan.stage == "open"]
    assert all(p.quiet for p in open_plans)
    codes = {r.code for p in open_plans for r in p.notes}
    assert codes == {"existing.old", "existing.answered"}


def test_asked_for_explicitly_the_writes_carry_dates_from_today(db, settings):
    decidim = HistoricDecidim(history())
    run(db, settings, decidim)
    run(db, settings, decidim, write_existing=True)
    comments = [w for w in writes(db) if w.purpose == "initiators"]
    assert len(comments) == 40  # every open one, answered or not (the accepted: "accepted")
    pattern = re.compile(rf"\b(\d{{1,2}}) ({MONTHS}) (\d{{4}})\b")
    months = MONTHS.split("|")
    for comment in comments:
        body = comment.data["body"]
        days = [date(int(y), months.index(m) + 1, int(d)) for d, m, y in pattern.findall(body)]
        assert days and min(days) >= TODAY, body
        assert "later dan normaal" in body
