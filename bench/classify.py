"""Classification against a labelled corpus: themes, catalogue offers, kinds, language.

Run: ``.venv/bin/python bench/classify.py`` (a few seconds).

The corpus (``tests/data/classify/corpus.yaml``) holds 165 proposals written for this
purpose, in Dutch and English: initiatives of every theme, reports about public space
(meldingen), questions, and traps — words that contain a keyword (``tentoonstelling`` /
``tent``, ``heksen`` / ``hek``, ``supermarkt`` / ``markt``, ``start`` / ``art``) and a
``hekwerk`` that is a permanent fence, not fencing to lend. Each is planned with the
example municipality's rules (``mappings/``) by the pure engine, everything free.

Printed, each against its goal:

* theme accuracy: the main theme equals the label (initiatives only) — goal >= 0.90;
* resource precision and recall: catalogue groups offered vs. labelled — precision >= 0.95;
* not-an-initiative precision and recall (reports and questions together), and report
  (melding) recall — goal >= 0.90;
* substring traps: a trap word counted for its keyword — goal 0;
* language: recognised language equals the label (unsure counts as wrong).

With ``--compare`` it also measures other language detectors that happen to be
installed (py3langid, lingua in high-accuracy mode) on the same texts. Exit status 1 when
a goal is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from decidim_bridge.pipeline import preview_plan  # noqa: E402
from decidim_bridge.plan.language import detect  # noqa: E402
from decidim_bridge.proposals import ParticipatorySpace, Proposal  # noqa: E402
from decidim_bridge.rules.loader import load  # noqa: E402
from decidim_bridge.rules.model import Mappings  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "classify" / "corpus.yaml"
SPACE = ParticipatorySpace("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven")
NOW = datetime.fromisoformat("2027-04-20T12:00:00+02:00").timestamp()
GOALS = {
    "theme_accuracy": 0.90,
    "resource_precision": 0.95,
    "melding_recall": 0.90,
    "traps": 0,
}


@dataclass
class Result:
    items: int = 0
    themes_right: int = 0
    themes_total: int = 0
    res_tp: int = 0
    res_fp: int = 0
    res_fn: int = 0
    other_tp: int = 0
    other_fp: int = 0
    other_fn: int = 0
    melding_tp: int = 0
    melding_total: int = 0
    traps: int = 0
    language_right: int = 0
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    def figures(self) -> dict[str, float]:
        r = self.ratio
        return {
            "theme_accuracy": r(self.themes_right, self.themes_total),
            "resource_precision": r(self.res_tp, self.res_tp + self.res_fp),
            "resource_recall": r(self.res_tp, self.res_tp + self.res_fn),
            "not_initiative_precision": r(self.other_tp, self.other_tp + self.other_fp),
            "not_initiative_recall": r(self.other_tp, self.other_tp + self.other_fn),
            "melding_recall": r(self.melding_tp, self.melding_total),
            "language_accuracy": r(self.language_right, self.items),
            "traps": float(self.traps),
        }


def corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return items


def proposal_of(number: int, item: dict[str, Any]) -> Proposal:
    pc = item.get("pc")
    return Proposal(
        id=str(5000 + number),
        component_id="11",
        space=SPACE,
        title={item["lang"]: item["t"]},
        body={item["lang"]: item.get("b", "")},
        address=f"Straat 1, {pc} Lindeburg" if pc else None,
        published_at=datetime.fromisoformat("2027-04-20T10:00:00+02:00"),
    )


def measure(mappings: Mappings, items: list[dict[str, Any]]) -> Result:
    result = Result()
    for number, item in enumerate(items):
        plan = preview_plan(proposal_of(number, item), mappings, NOW, space_key="wijkinitiatieven")
        c = plan.classification
        label = f"{number}: {item['t']}"
        result.items += 1
        result.language_right += c.language == item["lang"]
        kind = item.get("kind", "initiative")
        other_expected, other_found = kind != "initiative", not c.is_initiative
        result.other_tp += other_expected and other_found
        result.other_fp += other_found and not other_expected
        result.other_fn += other_expected and not other_found
        if kind == "melding":
            result.melding_total += 1
            result.melding_tp += c.kind == "melding"
        if kind != c.kind:
            result.misses.append(f"kind {c.kind} != {kind} | {label}")
        if kind == "initiative":
            result.themes_total += 1
            if c.primary_theme == item.get("theme"):
                result.themes_right += 1
            else:
                result.misses.append(f"theme {c.primary_theme} != {item.get('theme')} | {label}")
            found = {o.group for o in plan.resources}
            wanted = set(item.get("res") or ())
            result.res_tp += len(found & wanted)
            result.res_fp += len(found - wanted)
            result.res_fn += len(wanted - found)
            if found != wanted:
                result.misses.append(
                    f"offers +{sorted(found - wanted)} -{sorted(wanted - found)} | {label}"
                )
        trap = item.get("trap")
        if trap:
            rules = {e.rule for t in c.themes + c.weak_themes for e in t.evidence}
            rules |= {e.rule for o in plan.resources for e in o.evidence}
            if trap in rules:
                result.traps += 1
                result.misses.append(f"trap '{trap}' counted | {label}")
    return result


def _other_detectors() -> dict[str, Callable[[str], str | None]]:
    found: dict[str, Callable[[str], str | None]] = {}
    try:
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
        identifier.set_languages(["nl", "en"])
        found["py3langid"] = lambda text: identifier.classify(text)[0]
    except ImportError:
        pass
    try:
        from lingua import Language, LanguageDetectorBuilder

        high = LanguageDetectorBuilder.from_languages(Language.DUTCH, Language.ENGLISH).build()

        def lingua_high(text: str) -> str | None:
            language = high.detect_language_of(text)
            return language.iso_code_639_1.name.lower() if language else None

        found["lingua (high accuracy)"] = lingua_high
    except ImportError:
        pass
    return found


def compare(items: list[dict[str, Any]]) -> None:
    print("\nlanguage detectors on titles alone and on title + text:")
    detectors: dict[str, Callable[[str], str | None]] = {
        "lingua (low accuracy, used)": lambda text: detect(text, "", ("en", "nl")).language
    }
    detectors.update(_other_detectors())
    for name, run in detectors.items():
        started = time.perf_counter()
        titles = sum(run(i["t"]) == i["lang"] for i in items)
        full = sum(run(f"{i['t']}. {i.get('b', '')}") == i["lang"] for i in items)
        seconds = time.perf_counter() - started
        print(
            f"  {name:<28} titles {titles / len(items):.3f}  with text {full / len(items):.3f}"
            f"  ({seconds * 1000 / (2 * len(items)):.2f} ms per text)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compare", action="store_true", help="also compare language detectors")
    parser.add_argument("--misses", action="store_true", help="list every item that was wrong")
    parser.add_argument("--quick", action="store_true", help="(the same: it is quick)")
    args = parser.parse_args(argv)
    items = corpus()
    result = measure(load(ROOT / "mappings"), items)
    figures = result.figures()
    print(f"corpus: {len(items)} proposals ({sum(i['lang'] == 'en' for i in items)} in English)")
    ok = True
    for name, value in figures.items():
        goal = GOALS.get(name)
        if goal is None:
            print(f"  {name:<26} {value:.3f}")
            continue
        met = value <= goal if name == "traps" else value >= goal
        ok = ok and met
        shown = f"{int(value)}" if name == "traps" else f"{value:.3f}"
        sign = "<=" if name == "traps" else ">="
        print(f"  {name:<26} {shown:<6} goal {sign} {goal}  {'ok' if met else 'MISSED'}")
    if args.misses or not ok:
        print("\nwrong:")
        for line in result.misses:
            print(f"  {line}")
    if args.compare:
        compare(items)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
