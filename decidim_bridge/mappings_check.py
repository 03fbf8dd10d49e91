"""Everything ``check-mappings`` checks in a mappings folder, as one list of problems.

The rule files themselves (``rules.loader.check``), then what can only be checked with them loaded:
every message and digest template rendered in every language, and every proposal in
``examples/`` planned. This module reads files, so it is an edge, not part of the pure core.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from decidim_bridge.errors import BridgeError
from decidim_bridge.rules.loader import check
from decidim_bridge.rules.model import Mappings
from decidim_bridge.rules.yamlsource import Problem


def check_folder(directory: Path) -> tuple[Mappings | None, list[Problem]]:
    """The loaded rules (None when the rule files are broken) and every problem found."""
    mappings, problems = check(directory)
    if mappings is not None:
        problems += _template_problems(directory, mappings)
        problems += _example_problems(directory, mappings)
    return mappings, problems


def _template_problems(directory: Path, mappings: Mappings) -> list[Problem]:
    """The messages and the digest (``texts/<locale>/*.md``) are rule files too."""
    from decidim_bridge.digest.checks import digest_template_problems
    from decidim_bridge.writeback.checks import message_problems, readability_problems

    return (
        message_problems(directory, mappings)
        + digest_template_problems(directory, mappings)
        + readability_problems(directory, mappings)
    )


def _example_problems(directory: Path, mappings: Mappings) -> list[Problem]:
    """Plan every example proposal in ``examples/``: the rules must work on real input."""
    from decidim_bridge.intake.proposal_json import proposal_from_json
    from decidim_bridge.pipeline import preview_plan

    problems = []
    now = time.time()
    for path in sorted((directory / "examples").glob("*.json")):
        name = f"examples/{path.name}"
        try:
            proposal = proposal_from_json(json.loads(path.read_text(encoding="utf-8")))
            preview_plan(proposal, mappings, now)
        except ValueError as exc:
            problems.append(Problem(name, None, "", f"not valid JSON: {exc}"))
        except BridgeError as exc:
            problems.append(Problem(name, None, "", f"{exc.message} {exc.errors or ''}".strip()))
    return problems
