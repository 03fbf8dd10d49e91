"""Everything ``check-mappings`` checks in a mappings folder, as one list of problems.

The rule files themselves (``rules.loader.inspect``), then what can only be checked with
them loaded: every message and digest template rendered in every language (each language
has every message, each mail its ``Subject:`` line), and every proposal in ``examples/``
run through scope.yaml and planned. The templates and examples are checked on the rules
as far as they could be put together, so a problem in a texts file does not hide one in a
template; when a rule file itself is broken the templates are at least compiled. This
module reads files, so it is an edge, not part of the pure core.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from decidim_bridge.errors import BridgeError
from decidim_bridge.plan.texts import texts_for
from decidim_bridge.rules.loader import inspect
from decidim_bridge.rules.model import LocaleTexts, Mappings
from decidim_bridge.rules.yamlsource import Problem


@dataclass(frozen=True)
class Checked:
    mappings: Mappings | None  # None when anything is wrong
    problems: list[Problem]
    #: The default language's texts as far as they loaded, for the lines around the
    #: problems (None: the rules are too broken to say).
    texts: LocaleTexts | None


def check(directory: Path) -> Checked:
    """Every problem in the folder, with the rules when there is none."""
    found = inspect(directory)
    mappings, best_effort, problems = found.mappings, found.best_effort, found.problems
    problems += _file_problems(Path(directory), best_effort)
    if best_effort is not None:
        for problem in _template_problems(directory, best_effort) + _example_problems(
            directory, best_effort
        ):
            if problem not in problems:
                problems.append(problem)
    rules = mappings or best_effort
    texts: LocaleTexts | None
    if rules is not None:
        texts = texts_for(rules, rules.organization.default_locale)
    else:
        texts = found.default_texts
    return Checked(mappings, problems, texts)


def check_folder(directory: Path) -> tuple[Mappings | None, list[Problem]]:
    """The loaded rules (None when the rule files are broken) and every problem found."""
    checked = check(directory)
    return checked.mappings, checked.problems


def _file_problems(directory: Path, mappings: Mappings | None) -> list[Problem]:
    """Template files: syntax, every language has every message, mails have a subject."""
    from decidim_bridge.writeback.checks import template_file_problems

    return template_file_problems(directory, mappings)


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
            decision = mappings.scope.decide_on_proposal(proposal)
            if not decision.in_scope:
                problems.append(
                    Problem(
                        name,
                        None,
                        "",
                        f"{decision.reason}: the bridge would not plan it; put it in a "
                        "space and component of scope.yaml 'act_on'.",
                    )
                )
            preview_plan(proposal, mappings, now, space_key=decision.space_key)
        except ValueError as exc:
            problems.append(Problem(name, None, "", f"not valid JSON: {exc}"))
        except BridgeError as exc:
            problems.append(Problem(name, None, "", f"{exc.message} {exc.errors or ''}".strip()))
    return problems
