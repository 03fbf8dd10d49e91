"""Plan engine benchmark: loading a large rule set, and support plans per second on one core.

Run: ``.venv/bin/python bench/plan.py`` (about 30 s) or ``--quick``.

It writes a synthetic municipality into a temporary folder: 24 districts, 40 themes, 60
advisors, 600 catalogue items, 250 stakeholders and well over 300 keywords (the texts,
expectations and Right to Challenge files are the example municipality's), then measures:

* load: reading and validating every file (``rules.loader.load``), best of three; goal < 1 s;
* plans/s: ``plan.build_plan`` over generated Dutch-like proposals (title, text, address,
  amounts), with advisor loads and partly used stock, pinned to one CPU; goal >= 1,000;
* baselines measured in the same run: the example municipality (``mappings/``) on the
  same kind of proposals, and a trivial pass that only scans the text for keywords; the
  ratios show what the size of the rules and the rest of the plan cost.

Also printed: plans/s including the JSON and fingerprint the store computes. Rates are per
CPU second of the one pinned core (``time.process_time``), with the wall-clock rate next to
it; on a busy machine the two differ. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from decidim_bridge.plan import build_plan  # noqa: E402
from decidim_bridge.plan.serialize import document  # noqa: E402
from decidim_bridge.plan.state import Availability, PlanningState  # noqa: E402
from decidim_bridge.proposals import ParticipatorySpace, Proposal, Taxonomy  # noqa: E402
from decidim_bridge.rules.loader import load  # noqa: E402
from decidim_bridge.rules.model import Mappings  # noqa: E402

GOAL_PLANS_PER_SECOND = 1000
GOAL_LOAD_SECONDS = 1.0
SYLLABLES = [
    "ber", "dal", "ven", "hof", "lin", "mor", "kel", "sta", "wij", "bro", "gra", "tul",
    "ros", "vel", "pol", "dijk", "kamp", "weg", "ster", "lan", "bos", "horst", "meer",
    "aar", "eik", "wil", "ruw", "zon", "maan", "kor",
]  # fmt: skip
FILLER_TEXT = (
    "wij willen samen met de buren iets moois maken voor de straat en iedereen is welkom "
    "het plan is klein begonnen maar er doen steeds meer mensen mee in het voorjaar"
)
FILLER = FILLER_TEXT.split(" ")


def word(rng: random.Random, used: set[str], parts: int = 3) -> str:
    while True:
        candidate = "".join(rng.choice(SYLLABLES) for _ in range(parts))
        if candidate not in used:
            used.add(candidate)
            return candidate


def write(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def generate(root: Path, seed: int = 7) -> dict[str, Any]:
    """Write a large, valid mappings folder; returns the vocabulary proposals draw from."""
    rng = random.Random(seed)
    used: set[str] = set()
    districts = []
    place_words: dict[str, list[str]] = {}
    for n in range(24):
        district_id = f"wijk-{n:02d}"
        places = [word(rng, used) for _ in range(8)]
        place_words[district_id] = places
        low = 1000 + n * 4
        districts.append(
            {
                "id": district_id,
                "name": f"Wijk {n}",
                "postcodes": [f"{low}-{low + 3}"],
                "places": places,
            }
        )
    themes = []
    theme_words: dict[str, list[str]] = {}
    for n in range(40):
        theme_id = f"thema-{n:02d}"
        keywords = [word(rng, used) for _ in range(10)]
        theme_words[theme_id] = keywords
        themes.append(
            {
                "id": theme_id,
                "name": {"nl": f"Thema {n}", "en": f"Theme {n}"},
                "keywords": [
                    {"word": k, "forms": [k + "en", k + "je"], "compounds": "end"} for k in keywords
                ],
            }
        )
    theme_ids = list(theme_words)
    district_ids = list(place_words)
    stakeholders: list[dict[str, Any]] = []
    departments = [f"afdeling-{n:02d}" for n in range(12)]
    for department in departments:
        stakeholders.append(
            {
                "id": department,
                "name": f"Afdeling {department[-2:]}",
                "kind": "department",
                "themes": rng.sample(theme_ids, 3),
                "contact": {"email": f"{department}@gemeente.example"},
                "inform_on": ["published", "accepted"],
                "role": {"nl": "Geeft materiaal uit.", "en": "Hands out materials."},
            }
        )
    for n in range(0, 40, 2):
        stakeholders.append(
            {
                "id": f"wethouder-{n:02d}",
                "name": f"Wethouder {n}",
                "kind": "wethouder",
                "themes": theme_ids[n : n + 2],
                "contact": {"email": f"wethouder{n}@gemeente.example"},
                "inform_on": ["accepted", "digest"],
                "role": {"nl": "Portefeuillehouder.", "en": "Alderman."},
            }
        )
    kinds = ["wijkraad", "buurtvereniging", "sleutelfiguur"]
    while len(stakeholders) < 250:
        n = len(stakeholders)
        kind = kinds[n % 3]
        stakeholders.append(
            {
                "id": f"partij-{n:03d}",
                "name": f"Partij {n}",
                "kind": kind,
                "districts": [rng.choice(district_ids)],
                **({"themes": rng.sample(theme_ids, 2)} if kind == "sleutelfiguur" else {}),
                "contact": {"email": f"partij{n}@buurt.example"},
                "introduce": rng.random() < 0.6,
                "inform_on": ["published"],
                "role": {"nl": "Kent de buurt.", "en": "Knows the area."},
            }
        )
    resources = []
    resource_words: list[str] = []
    for n in range(600):
        keyword = word(rng, used)
        resource_words.append(keyword)
        local = rng.random() < 0.5
        resources.append(
            {
                "id": f"item-{n:03d}",
                "name": {"nl": f"Voorwerp {n}", "en": f"Item {n}"},
                "kind": rng.choice(["land", "room", "tool", "fencing", "printer", "material"]),
                "group": f"groep-{n // 3:03d}",
                "quantity": rng.randint(1, 20),
                "districts": rng.sample(district_ids, 3) if local else "all",
                "lead_time_days": rng.randint(0, 25),
                "department": rng.choice(departments),
                "conditions": [{"nl": "Zuinig gebruiken.", "en": "Use with care."}],
                "keywords": [keyword, rng.choice(theme_words[rng.choice(theme_ids)])],
            }
        )
    budgets = [
        {
            "id": f"budget-{d}-{year}",
            "name": {"nl": f"Wijkbudget {d} {year}", "en": f"Budget {d} {year}"},
            "year": year,
            "districts": [d],
            "total": 25000,
            "max_per_initiative": 2500,
            "default_hold": 500,
            "decider": {"nl": "de wijkmanager", "en": "the district manager"},
            "department": departments[0],
            "not_for": ["alcohol"],
        }
        for d in district_ids
        for year in (2026, 2027)
    ]
    advisors = []
    for n in range(60):
        advisors.append(
            {
                "id": f"adviseur-{n:02d}",
                "name": f"Adviseur {n:02d}",
                "email": f"adviseur{n}@gemeente.example",
                "themes": rng.sample(theme_ids, 5),
                "districts": rng.sample(district_ids, 6),
                "capacity": rng.randint(5, 12),
                "absences": [{"from": "2027-07-01", "to": "2027-07-31", "reason": "vakantie"}]
                if n % 5 == 0
                else [],
            }
        )
    advisors[0].update(themes=theme_ids, districts="all")
    write(root / "districts.yaml", {"districts": districts})
    write(root / "themes.yaml", {"themes": themes})
    write(root / "advisors.yaml", {"coordinator": advisors[0]["id"], "advisors": advisors})
    write(root / "resources.yaml", {"resources": resources})
    write(root / "budgets.yaml", {"budgets": budgets})
    write(root / "stakeholders.yaml", {"stakeholders": stakeholders})
    for name in ("scope.yaml", "expectations.yaml", "service_purchase.yaml"):
        shutil.copy(REPO / "mappings" / name, root / name)
    shutil.copytree(REPO / "mappings" / "texts", root / "texts")
    return {
        "districts": district_ids,
        "places": place_words,
        "themes": theme_words,
        "resources": resource_words,
    }


def proposals_for(vocabulary: dict[str, Any], count: int, seed: int = 11) -> list[Proposal]:
    rng = random.Random(seed)
    space = ParticipatorySpace("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven")
    start = datetime.fromisoformat("2027-03-01T09:00:00+01:00")
    out = []
    for n in range(count):
        theme_words = vocabulary["themes"][rng.choice(list(vocabulary["themes"]))]
        district = rng.choice(vocabulary["districts"])
        words = rng.sample(FILLER, 12)
        words += [*rng.sample(theme_words, 2), rng.choice(vocabulary["resources"])]
        words += [rng.choice(vocabulary["places"][district])]
        if rng.random() < 0.5:
            other = vocabulary["themes"][rng.choice(list(vocabulary["themes"]))]
            words.append(rng.choice(other) + "en")
        if rng.random() < 0.6:
            words.append(f"€ {rng.randint(1, 40) * 100}")
        rng.shuffle(words)
        title = " ".join([rng.choice(theme_words).capitalize(), *rng.sample(FILLER, 3)])
        out.append(
            Proposal(
                id=str(10_000 + n),
                component_id="11",
                space=space,
                title={"nl": title},
                body={"nl": "<p>" + " ".join(words) + ".</p>"},
                address=f"Straat {n % 90}, {1000 + rng.randint(0, 95)} AB Lindeburg"
                if rng.random() < 0.5
                else None,
                taxonomies=(Taxonomy("1", {"nl": "Wijk 3"}),) if rng.random() < 0.1 else (),
                published_at=start + timedelta(hours=7 * n),
            )
        )
    return out


def example_proposals(count: int, seed: int = 13) -> list[Proposal]:
    """Proposals for the example municipality, built from its own words."""
    mappings = load(REPO / "mappings")
    vocabulary = {
        "districts": [d.id for d in mappings.districts],
        "places": {d.id: [k.label for k in d.places] for d in mappings.districts},
        "themes": {t.id: [k.label for k in t.keywords] for t in mappings.themes},
        "resources": [k.label for r in mappings.resources for k in r.keywords],
    }
    return proposals_for(vocabulary, count, seed)


def state_for(mappings: Mappings, rng: random.Random) -> PlanningState:
    loads = {a.id: rng.randint(0, a.capacity) for a in mappings.advisors.advisors}
    free = {r.id: rng.randint(0, r.quantity) for r in mappings.resources}
    money = {b.id: rng.randint(0, b.total_cents) for b in mappings.budgets}
    availability = Availability(money, {}, lambda item_id, first, end: free.get(item_id, 0))
    return PlanningState(loads=loads, availability=availability)


def rate(
    func: Callable[[Proposal], Any], proposals: list[Proposal], seconds: float
) -> tuple[float, float]:
    """Items per CPU second and per wall-clock second, repeating the list for ``seconds``.

    The process is pinned to one CPU, so CPU time is the time of that one core; wall-clock
    time also contains whatever else the machine was running.
    """
    for proposal in proposals[:20]:  # warm the caches that any running bridge has warm
        func(proposal)
    done = 0
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    while True:
        for proposal in proposals:
            func(proposal)
        done += len(proposals)
        wall = time.perf_counter() - wall_started
        if wall >= seconds:
            cpu = time.process_time() - cpu_started
            return done / cpu, done / wall


def pin_to_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter measurements")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 6.0
    print(f"plan benchmark ({pin_to_one_cpu()}, Python {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory(prefix="bench-mappings-") as folder:
        root = Path(folder)
        vocabulary = generate(root)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            large = load(root)
            timings.append(time.perf_counter() - started)
    example_started = time.perf_counter()
    example = load(REPO / "mappings")
    example_load = time.perf_counter() - example_started
    load_time = min(timings)
    print(
        f"large rule set: {len(large.districts)} districts, {len(large.themes)} themes, "
        f"{len(large.advisors.advisors)} advisors, {len(large.resources)} catalogue items, "
        f"{len(large.stakeholders)} stakeholders, {large.keyword_index.size} keywords"
    )
    print(
        f"load + validate: best {load_time * 1000:.0f} ms, median "
        f"{statistics.median(timings) * 1000:.0f} ms (example municipality: "
        f"{example_load * 1000:.0f} ms)  goal < {GOAL_LOAD_SECONDS * 1000:.0f} ms: "
        f"{'met' if load_time < GOAL_LOAD_SECONDS else 'NOT met'}"
    )
    rng = random.Random(5)
    now = datetime.fromisoformat("2027-06-01T10:00:00+02:00").timestamp()
    large_proposals = proposals_for(vocabulary, 2000)
    large_state = state_for(large, rng)
    example_state = state_for(example, rng)
    example_props = example_proposals(2000)

    def scan(proposal: Proposal) -> None:
        index = large.keyword_index
        index.find(proposal.title["nl"], "title")
        index.find(proposal.body["nl"], "body")

    def plan_large(proposal: Proposal) -> None:
        build_plan(proposal, large, now, large_state, space_key="wijkinitiatieven")

    def plan_example(proposal: Proposal) -> None:
        build_plan(proposal, example, now, example_state, space_key="wijkinitiatieven")

    def plan_and_store_form(proposal: Proposal) -> None:
        document(build_plan(proposal, large, now, large_state, space_key="wijkinitiatieven"))

    scan_rate, scan_wall = rate(scan, large_proposals, seconds / 2)
    example_rate, example_wall = rate(plan_example, example_props, seconds)
    large_rate, large_wall = rate(plan_large, large_proposals, seconds)
    stored_rate, stored_wall = rate(plan_and_store_form, large_proposals, seconds / 2)
    load_note = f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"rates per CPU second (wall-clock in brackets; {load_note}):")
    print(f"baseline  keyword scan only (large rules): {scan_rate:8.0f} /s ({scan_wall:.0f})")
    print(f"baseline  plans, example municipality:     {example_rate:8.0f} /s ({example_wall:.0f})")
    print(f"measured  plans, large rule set:           {large_rate:8.0f} /s ({large_wall:.0f})")
    print(f"          + JSON and fingerprint (store):  {stored_rate:8.0f} /s ({stored_wall:.0f})")
    print(
        f"ratios: large/example plans {large_rate / example_rate:.2f}, "
        f"plan/scan {large_rate / scan_rate:.3f}"
    )
    met = large_rate >= GOAL_PLANS_PER_SECOND
    print(f"goal >= {GOAL_PLANS_PER_SECOND} plans/s on one core: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
