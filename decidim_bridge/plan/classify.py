"""Which wijk and which themes an initiative belongs to, with the evidence for each.

District, strongest evidence first: a Decidim taxonomy (or scope/category) named like a
wijk, then the postcode in the address, then a postcode in the text, then place names.
Themes are scored: a taxonomy counts ``taxonomy_weight``, each keyword in the title
``title_weight`` and in the text ``body_weight``; words that are place names do not count
for themes. Themes reaching ``min_score`` count;
the highest is the main theme (ties: file order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from decidim_bridge.plan.model import Classification, Evidence, Reason, ThemeResult
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.keywords import Hit, fold
from decidim_bridge.rules.model import KeywordOwner, Mappings

#: "7415 AB", "7415AB" or a bare "7415" in an address; in running text letters are required
#: so that years and amounts are not read as postcodes.
_ADDRESS_POSTCODE = re.compile(r"\b([1-9]\d{3})(?:\s?[A-Za-z]{2})?\b")
_TEXT_POSTCODE = re.compile(r"\b([1-9]\d{3})\s?(?!SA|SD|SS)([A-Z]{2})\b")


@dataclass(frozen=True)
class ProposalText:
    """The parts of a proposal the rules read, as plain text."""

    title: str
    body: str
    address: str
    taxonomy_names: tuple[str, ...]
    title_hits: tuple[Hit[KeywordOwner], ...]
    body_hits: tuple[Hit[KeywordOwner], ...]
    #: The recognised language (None: not sure; every keyword counted) and how sure.
    language: str | None = None
    language_guess: str | None = None
    language_confidence: float = 0.0

    @property
    def hits(self) -> tuple[Hit[KeywordOwner], ...]:
        return self.title_hits + self.body_hits


def _taxonomy_names(proposal: Proposal) -> tuple[str, ...]:
    names: list[str] = []
    for taxonomy in proposal.taxonomies:
        names.extend(v for v in taxonomy.name.values() if v)
    return tuple(dict.fromkeys(names))


def _district_from_postcodes(
    text: str, pattern: re.Pattern[str], where: str, mappings: Mappings
) -> tuple[str, Evidence] | None:
    for match in pattern.finditer(text):
        digits = int(match.group(1))
        for district in mappings.districts:
            for postcode_range in district.postcodes:
                if digits in postcode_range:
                    found = match.group(0)
                    evidence = Evidence("postcode", where, found, str(postcode_range))
                    return district.id, evidence
    return None


def classify(proposal: Proposal, text: ProposalText, mappings: Mappings) -> Classification:
    taxonomy = mappings.derived["taxonomy"]
    matching = mappings.matching
    reasons: list[Reason] = []
    candidates: list[tuple[str, Evidence, Reason]] = []
    theme_evidence: dict[str, list[Evidence]] = {}
    district_id: str | None  # the chosen wijk, None when nothing points to one
    for name in text.taxonomy_names:
        owner = taxonomy.get(fold(name).strip())
        if owner is None:
            continue
        kind, item_id = owner
        evidence = Evidence("taxonomy", "taxonomies", name, name, matching.taxonomy_weight)
        if kind == "district":
            reason = make_reason(mappings, "district.taxonomy", district=item_id, taxonomy=name)
            candidates.append((item_id, evidence, reason))
        else:
            theme_evidence.setdefault(item_id, []).append(evidence)
    for source_text, pattern, where in (
        (text.address, _ADDRESS_POSTCODE, "address"),
        (text.body, _TEXT_POSTCODE, "body"),
    ):
        found = (
            _district_from_postcodes(source_text, pattern, where, mappings) if source_text else None
        )
        if found:
            district_id, evidence = found
            reason = make_reason(
                mappings,
                "district.postcode",
                district=district_id,
                postcode=evidence.matched,
                where=where,
            )
            candidates.append((district_id, evidence, reason))
    # A word that names a place is evidence for the wijk only (Noorderpark is no park).
    place_words = {
        word for hit in text.hits if hit.owner[0] == "district" for word in hit.word.split()
    }
    for hit in text.hits:
        kind, item_id = hit.owner
        if kind == "theme" and hit.word in place_words:
            continue
        if kind == "district":
            evidence = Evidence("place", hit.where, hit.word, hit.keyword)
            reason = make_reason(
                mappings,
                "district.place",
                district=item_id,
                keyword=hit.keyword,
                word=hit.word,
                where=hit.where,
            )
            candidates.append((item_id, evidence, reason))
        elif kind == "theme":
            weight = matching.title_weight if hit.where == "title" else matching.body_weight
            theme_evidence.setdefault(item_id, []).append(
                Evidence("keyword", hit.where, hit.word, hit.keyword, weight)
            )
    district_id = None
    district_evidence: tuple[Evidence, ...] = ()
    if candidates:
        district_id, _evidence, first_reason = candidates[0]
        district_evidence = tuple(e for d, e, _ in candidates if d == district_id)
        reasons.append(first_reason)
        others = sorted({d for d, _, _ in candidates if d != district_id})
        if others:
            reasons.append(
                make_reason(
                    mappings, "district.conflict", district=district_id, other_districts=others
                )
            )
    else:
        reasons.append(make_reason(mappings, "district.unknown"))
    themes, weak = _score_themes(theme_evidence, mappings)
    reasons += _theme_reasons(themes, weak, mappings)
    return Classification(
        district_id=district_id,
        district_evidence=district_evidence,
        themes=themes,
        weak_themes=weak,
        reasons=tuple(reasons),
        language=text.language,
    )


def _score_themes(
    evidence: dict[str, list[Evidence]], mappings: Mappings
) -> tuple[tuple[ThemeResult, ...], tuple[ThemeResult, ...]]:
    order = {theme.id: index for index, theme in enumerate(mappings.themes)}
    results = [
        ThemeResult(theme_id, sum(e.weight for e in items), tuple(items))
        for theme_id, items in evidence.items()
    ]
    results.sort(key=lambda r: (-r.score, order[r.theme_id]))
    counted = [r for r in results if r.score >= mappings.matching.min_score]
    weak = [r for r in results if 0 < r.score < mappings.matching.min_score]
    limit = mappings.matching.max_themes
    return tuple(counted[:limit]), tuple(weak + counted[limit:])


def _theme_reasons(
    themes: Sequence[ThemeResult], weak: Sequence[ThemeResult], mappings: Mappings
) -> list[Reason]:
    reasons: list[Reason] = []
    if not themes:
        reasons.append(make_reason(mappings, "theme.none"))
    for position, result in enumerate(themes):
        code = "theme.primary" if position == 0 else "theme.further"
        reasons.append(make_reason(mappings, code, theme=result.theme_id, score=result.score))
        for item in result.evidence:
            if item.source == "taxonomy":
                reasons.append(
                    make_reason(
                        mappings, "theme.taxonomy", theme=result.theme_id, taxonomy=item.matched
                    )
                )
            elif item.matched == item.rule:
                reasons.append(
                    make_reason(
                        mappings,
                        "theme.keyword",
                        theme=result.theme_id,
                        keyword=item.rule,
                        where=item.where,
                    )
                )
            else:
                reasons.append(
                    make_reason(
                        mappings,
                        "theme.compound",
                        theme=result.theme_id,
                        keyword=item.rule,
                        word=item.matched,
                        where=item.where,
                    )
                )
    for result in weak:
        reasons.append(
            make_reason(
                mappings,
                "theme.weak",
                theme=result.theme_id,
                score=result.score,
                min_score=mappings.matching.min_score,
            )
        )
    return reasons
