"""Which language a proposal is written in (pure: text in, language out).

Recognised with lingua (``lingua-language-detector``) over the candidate languages only
(``matching.languages`` in themes.yaml, else the organization's locales), in its
low-accuracy mode: trigram models only, about 20 MB in memory for a handful of
languages, and right on the titles and short texts residents write (``bench/classify.py``
measures it on the labelled corpus). The models ship inside the package; nothing is
downloaded. A text too short or too mixed to tell (top confidence below ``MIN_CONFIDENCE``)
is *unsure*: then every keyword counts and residents read the default language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Below this share of the evidence the language counts as not recognised.
MIN_CONFIDENCE = 0.7
#: Enough text to tell a language; more only costs time.
_MAX_CHARS = 1200


@dataclass(frozen=True)
class Detection:
    language: str | None  # ISO 639-1 code of the most likely candidate; None: no text
    confidence: float  # 0..1
    sure: bool


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [IsoCode639_1.from_str(code) for code in languages]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def supported(code: str) -> bool:
    """Whether ``code`` is a language the detector knows."""
    from lingua import IsoCode639_1

    try:
        IsoCode639_1.from_str(code)
    except ValueError:
        return False
    return True


def detect(title: str, body: str, languages: tuple[str, ...]) -> Detection:
    """The language of ``title`` and ``body`` among ``languages`` (two or more codes)."""
    text = f"{title}. {body}".strip(" .")[:_MAX_CHARS]
    candidates = tuple(sorted(set(languages)))
    if not text or len(candidates) < 2:
        only = candidates[0] if candidates and text else None
        return Detection(only, 1.0 if only else 0.0, only is not None)
    values = _detector(candidates).compute_language_confidence_values(text)
    if not values:
        return Detection(None, 0.0, False)
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    return Detection(code, round(best.value, 3), best.value >= MIN_CONFIDENCE)
