"""Property: whatever happens to many initiatives (published, edited, accepted, rejected,
withdrawn, time passing so holds lapse), held quantities never exceed stock, budgets
never go below zero, and every counter equals what the rows say."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_support import at, example_mappings, make_proposal

from decidim_bridge.pipeline import release_expired_holds, save_plan
from decidim_bridge.store import plans as store
from decidim_bridge.store.schema import plan_heads

START = at("2027-04-20T11:00:00+02:00")
DAY = 86400.0

#: Texts that compete for small stock: one plot, two sets of site fencing, three tents.
TEXTS = [
    ("Buurtmoestuin in de Vogelwijk", "We vragen € 1.200 en hekken."),
    ("Moestuin bij de Kievitlaan", "Een omheining en € 2.000."),
    ("Straatfeest in de Vogelwijk", "Met een partytent en dranghekken, € 600."),
    ("Speeltuin in de Vogelwijk", "Bouwhekken om het terrein, € 900."),
    ("Koffieochtend in de Vogelwijk", ""),
]


def tight_rules():
    """The example rules with little money and short lists, so limits are reached."""
    mappings = example_mappings()
    budgets = tuple(replace(b, total_cents=300_000) for b in mappings.budgets)
    advisors = tuple(replace(a, capacity=2) for a in mappings.advisors.advisors)
    return replace(
        mappings, budgets=budgets, advisors=replace(mappings.advisors, advisors=advisors)
    )


RULES = tight_rules()

steps = st.lists(
    st.tuples(
        st.sampled_from(["publish", "edit", "accept", "reject", "withdraw", "reopen", "wait"]),
        st.integers(min_value=0, max_value=7),  # which initiative
        st.integers(min_value=0, max_value=len(TEXTS) - 1),  # which text
    ),
    min_size=1,
    max_size=25,
)


def check_invariants(db, tenant):
    with db.read() as conn:
        stock = store.stock(conn, tenant)
        holds = store.holds(conn, tenant)
        loads = store.loads(conn, tenant)
        heads = conn.execute(plan_heads.select().where(plan_heads.c.tenant == tenant)).all()
    active = Counter()
    for hold in holds:
        if hold.status in ("held", "confirmed"):
            active[(hold.kind, hold.item_id)] += hold.quantity
    for key, (capacity, reserved) in stock.items():
        assert 0 <= reserved <= capacity, key
        assert reserved == active[key], key
    counted = Counter(h.lead_advisor_id for h in heads if h.counts_load)
    for advisor in RULES.advisors.advisors:
        assert loads.get(advisor.id, 0) == counted[advisor.id]
        if advisor.id != RULES.advisors.coordinator_id:
            assert loads.get(advisor.id, 0) <= advisor.capacity


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps)
def test_holds_never_exceed_stock_and_budgets_never_go_negative(db, events):
    tenant = f"t{uuid.uuid4().hex[:10]}.example"  # a fresh organization per example
    now = START
    state: dict[int, dict] = {}
    for action, number, text in events:
        if action == "wait":
            now += 30 * DAY
            release_expired_holds(db, tenant, now)
            check_invariants(db, tenant)
            continue
        current = state.setdefault(number, {"text": text, "state": None, "withdrawn": False})
        if action == "edit":
            current["text"] = text
        elif action in ("accept", "reject"):
            current["state"] = f"{action}ed"
        elif action == "withdraw":
            current["withdrawn"] = True
        elif action == "reopen":
            current.update(state="evaluating", withdrawn=False)
        title, body = TEXTS[current["text"]]
        proposal = make_proposal(
            title,
            body,
            proposal_id=str(number),
            state=current["state"],
            withdrawn=current["withdrawn"],
        )
        now += 3600
        with db.begin() as conn:
            save_plan(
                conn,
                tenant=tenant,
                proposal=proposal,
                mappings=RULES,
                now=now,
                space_key="wijkinitiatieven",
            )
        check_invariants(db, tenant)
