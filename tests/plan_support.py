"""Helpers for support-plan tests: the example rules, proposals and moments."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from decidim_bridge.proposals import ParticipatorySpace, Proposal, Taxonomy
from decidim_bridge.rules.loader import load
from decidim_bridge.rules.model import Mappings

REPO = Path(__file__).resolve().parent.parent
MAPPINGS = REPO / "mappings"
PLAN_DATA = Path(__file__).resolve().parent / "data" / "plan"
SPACE = ParticipatorySpace("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven")


@lru_cache(maxsize=1)
def example_mappings() -> Mappings:
    """The example municipality's rules, loaded once per test run."""
    return load(MAPPINGS)


def fresh_mappings() -> Mappings:
    """A separate copy (its caches are not shared with other tests)."""
    return load(MAPPINGS)


def at(moment: str) -> float:
    """Epoch seconds of an ISO 8601 moment with offset."""
    return datetime.fromisoformat(moment).timestamp()


def make_proposal(
    title: str = "Buurtmoestuin in de Vogelwijk",
    body: str = "",
    *,
    proposal_id: str = "42",
    address: str | None = None,
    taxonomies: tuple[str, ...] = (),
    published: str = "2027-04-20T10:00:00+02:00",
    **fields: Any,
) -> Proposal:
    return Proposal(
        id=proposal_id,
        component_id="11",
        space=SPACE,
        title={"nl": title},
        body={"nl": body},
        address=address,
        taxonomies=tuple(Taxonomy(str(i), {"nl": n}) for i, n in enumerate(taxonomies)),
        published_at=datetime.fromisoformat(published),
        **fields,
    )


WESTSTAD = Path(__file__).resolve().parent / "data" / "weststad"


def build_weststad(target: Path) -> Path:
    """A second municipality's rules in ``target``: Lindeburg's texts and calendar with
    Weststad's scope, four wijken, eight themes and six advisors (one on leave)."""
    import shutil

    shutil.copytree(MAPPINGS, target, ignore=shutil.ignore_patterns("examples"))
    for path in WESTSTAD.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    expectations = target / "expectations.yaml"
    expectations.write_text(
        expectations.read_text(encoding="utf-8").replace(
            "\n  wijkinitiatieven:", "\n  buurtinitiatieven:"
        ),
        encoding="utf-8",
    )
    return target


def build_english(target: Path) -> Path:
    """The example rules in ``target`` with English as their language (the default locale
    in scope.yaml): what a rule owner of an English-speaking municipality reads."""
    import shutil

    shutil.copytree(MAPPINGS, target)
    scope = target / "scope.yaml"
    text = scope.read_text(encoding="utf-8")
    english = text.replace("default_locale: nl", "default_locale: en").replace(
        "locales: [nl, en]", "locales: [en, nl]"
    )
    assert english != text
    scope.write_text(english, encoding="utf-8")
    return target
