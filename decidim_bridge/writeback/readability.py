"""How easy a resident's text is to read: Flesch reading ease per language (pure).

Dutch texts are scored with Douma's adaptation of Flesch (``206.835 - 0.93 × words per
sentence - 77 × syllables per word``; 60 and up is about B1, the level municipalities
write for), English with Flesch reading ease (``206.835 - 1.015 × words per sentence -
84.6 × syllables per word``). Syllables are counted with pyphen's hyphenation
dictionaries (shipped in the package); hyphenation never splits off a syllable at a word's
edge (``over``), so a word with more vowel groups than parts counts one more. The
longest sentence (in words) is reported too: one long sentence can hide in a good average.

The text is the Markdown a template renders: emphasis, list bullets, addresses, links
and numbers are not words a resident has to read as prose. A list item, a heading and a
line are sentences of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyphen

#: (base, per word-per-sentence, per syllable-per-word) per language; others use English.
_FORMULAS = {"nl": (206.835, 0.93, 77.0), "en": (206.835, 1.015, 84.6)}
_DICTIONARIES = {"nl": "nl_NL", "en": "en_US"}

_URL = re.compile(r"https?://\S+|\S+@\S+\.\w+|www\.\S+")
_MARKUP = re.compile(r"[*_`#>|]|\[|\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Readability:
    score: float
    sentences: int
    words: int
    longest_sentence: int  # words
    longest: str  # that sentence, as written


@lru_cache(maxsize=4)
def _hyphenator(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=_DICTIONARIES.get(language, "en_US"))


def syllables(word: str, language: str) -> int:
    """Syllables of one word, from the language's hyphenation patterns."""
    parts = _hyphenator(language).inserted(word.lower()).count("-") + 1
    vowel_groups = len(re.findall(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]+", word.lower()))
    return max(1, parts, min(vowel_groups, parts + 1))


def sentences(text: str) -> list[str]:
    cleaned = _MARKUP.sub(" ", _URL.sub(" ", text))
    lines = (re.sub(r"^\s*[-+•]\s+", "", line) for line in cleaned.splitlines())
    out = []
    for line in lines:
        for part in _SENTENCE_END.split(line):
            if _WORD.search(part):
                out.append(part.strip())
    return out


def readability(text: str, language: str) -> Readability:
    """The reading ease of ``text`` in ``language`` (``nl``: Flesch-Douma)."""
    found = sentences(text)
    words_per = [_WORD.findall(s) for s in found]
    words = [w for ws in words_per for w in ws]
    if not words:
        return Readability(100.0, 0, 0, 0, "")
    base, per_word, per_syllable = _FORMULAS.get(language, _FORMULAS["en"])
    total_syllables = sum(syllables(w, language) for w in words)
    score = (
        base - per_word * (len(words) / len(found)) - per_syllable * (total_syllables / len(words))
    )
    longest_index = max(range(len(found)), key=lambda i: len(words_per[i]))
    return Readability(
        score=round(score, 1),
        sentences=len(found),
        words=len(words),
        longest_sentence=len(words_per[longest_index]),
        longest=found[longest_index],
    )
