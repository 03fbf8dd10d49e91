"""The editable message templates in ``mappings/texts/<locale>/<name>.md``.

One folder holds every text people read: ``texts/<locale>.yaml`` has the words (month and
weekday names, how amounts are written, labels, reasons, checklist lines) and
``texts/<locale>/*.md`` the messages (comments, answers, mails) built from them. A message
is Markdown with Jinja placeholders, so municipal staff edit one readable text: Decidim
renders comments as Markdown, the answer and the HTML part of mails are produced from the
same source, and the plain-text part of a mail is the Markdown itself. A mail template
starts with a ``Subject:`` line. The filters ``date``, ``money``/``cents`` and ``words``
write dates, amounts and lists with the words of ``texts/<locale>.yaml``, so there is one
place to change them. Messages about a plan get the plan itself and the rules (``rules``);
the filters ``name``, ``catalogue``, ``phone``, ``text`` and ``reasons`` look up what the
plan refers to by id or code (``writeback.derived``), in the message's language.

Templates run in Jinja's sandbox with strict undefined variables: a typo in a placeholder
is an error when the templates are checked (``decidim-bridge check-mappings`` renders them
all), not a blank in a resident's message.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from decidim_bridge.errors import MappingError
from decidim_bridge.locales import localized
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.texts import format_money, join_and, label, name_of
from decidim_bridge.rules.model import LocaleTexts, Mappings
from decidim_bridge.writeback import derived

#: Where the templates live, below the mappings folder (next to the words files).
TEXTS_DIR = "texts"
SUFFIX = ".md"
_SUBJECT = "subject:"

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})


@dataclass(frozen=True)
class Rendered:
    """One rendered message: subject (mails only), Markdown source, and HTML."""

    subject: str
    text: str
    html: str


def markdown_to_html(text: str) -> str:
    """HTML from Markdown; raw HTML in the source is escaped, unsafe links are dropped."""
    html: str = _markdown.render(text)  # markdown-it types its renderers' output as Any
    return html.strip()


def as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _words_for(ctx: Context) -> LocaleTexts | None:
    words: Mapping[str, LocaleTexts] = ctx["_words"]
    return words.get(ctx["locale"]) or words.get(ctx["default_locale"])


@pass_context
def _date(ctx: Context, value: Any, weekday: bool = True) -> str:
    """``dinsdag 8 december 2026`` (``weekday=False``: ``8 december 2026``)."""
    day = as_date(value)
    if day is None:
        return ""
    texts = _words_for(ctx)
    if texts is None:
        return day.isoformat()
    text = f"{day.day} {texts.months[day.month - 1]} {day.year}"
    return f"{texts.weekdays[day.weekday()]} {text}" if weekday else text


@pass_context
def _money(ctx: Context, value: Any) -> str:
    """An amount in euros (number or text) as ``€ 1.500`` / ``€ 12,50``."""
    if value is None or value == "":
        return ""
    try:
        euros = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return _cents(ctx, int((euros * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)))


@pass_context
def _cents(ctx: Context, cents: int) -> str:
    """An amount in cents (as plans keep money) as ``€ 1.500`` / ``€ 12,50``."""
    texts = _words_for(ctx)
    if texts is None:
        return f"€ {Decimal(cents) / 100:.2f}"
    return format_money(cents, texts)


@pass_context
def _join(ctx: Context, value: Any) -> str:
    """``a, b en c`` with the word for "and" from the words file."""
    items = [str(i) for i in value if str(i)]
    texts = _words_for(ctx)
    return join_and(items, label(texts, "words", "and") if texts else "&")


@pass_context
def _translated(ctx: Context, value: Any) -> str:
    return localized(value, ctx["locale"], ctx["default_locale"])


@pass_context
def _name(ctx: Context, item_id: str | None, kind: str) -> str:
    """``o.resource_id | name("resource")``: the readable name of an id from the rules."""
    return name_of(kind, item_id, ctx["rules"], ctx["locale"]) if item_id else ""


@pass_context
def _catalogue(ctx: Context, offer: Any) -> Any:
    """``o | catalogue``: the rules' description of an offered item or budget."""
    return derived.catalogue_item(offer, ctx["rules"])


@pass_context
def _phone(ctx: Context, role: Any) -> str:
    """``contact | phone``: an advisor's phone number from the rules ("" when none)."""
    return derived.phone(role, ctx["rules"]) or ""


@pass_context
def _text(ctx: Context, item: Any) -> str:
    """``r | text``: a reason, checklist line or stakeholder's reason in words."""
    return derived.text_of(item, ctx["rules"], ctx["locale"])


@pass_context
def _reasons(ctx: Context, plan: Plan) -> list[str]:
    """``plan | reasons``: every reason of the plan in words, each once."""
    return derived.reason_texts(derived.all_reasons(plan), ctx["rules"], ctx["locale"])


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(date=_date, money=_money, cents=_cents, words=_join, t=_translated)
    env.filters.update(name=_name, catalogue=_catalogue, phone=_phone, text=_text, reasons=_reasons)
    return env


class MessageTemplates:
    """Compiled templates by (locale, name); rendering falls back to the default locale."""

    def __init__(
        self,
        sources: dict[tuple[str, str], str],
        *,
        default_locale: str = "nl",
        words: Mapping[str, LocaleTexts] | None = None,
    ):
        self.default_locale = default_locale
        self.words = dict(words or {})
        self._env = _environment()
        self._compiled: dict[tuple[str, str], Any] = {}
        problems: list[dict[str, Any]] = []
        for (locale, name), source in sorted(sources.items()):
            try:
                self._compiled[(locale, name)] = self._compile(source)
            except TemplateSyntaxError as exc:
                problems.append(
                    {
                        "file": f"{TEXTS_DIR}/{locale}/{name}{SUFFIX}",
                        "line": exc.lineno,
                        "field": None,
                        "message": exc.message or "template syntax error",
                    }
                )
        if problems:
            raise MappingError("message templates are invalid", errors=problems)

    def _compile(self, source: str) -> tuple[Any, Any]:
        """(subject, body) templates. The ``Subject:`` line is its own template, so a block
        tag at its end cannot swallow the line break; the body keeps the file's line
        numbers (it starts with the empty line the subject left)."""
        first, newline, rest = source.partition("\n")
        if first.lower().startswith(_SUBJECT):
            subject = self._env.from_string(first[len(_SUBJECT) :])
            return subject, self._env.from_string(newline + rest)
        return None, self._env.from_string(source)

    @property
    def locales(self) -> list[str]:
        return sorted({locale for locale, _ in self._compiled})

    def names(self, locale: str) -> list[str]:
        return sorted(name for loc, name in self._compiled if loc == locale)

    def has(self, name: str, locale: str) -> bool:
        return (locale, name) in self._compiled

    def render(self, name: str, locale: str, context: dict[str, Any]) -> Rendered:
        """Render ``name`` in ``locale`` (or the default locale when it has no such file)."""
        use = locale if (locale, name) in self._compiled else self.default_locale
        templates = self._compiled.get((use, name))
        if templates is None:
            raise MappingError(
                f"no message template {name!r}",
                errors=[
                    {
                        "file": f"{TEXTS_DIR}/{self.default_locale}/{name}{SUFFIX}",
                        "line": None,
                        "field": None,
                        "message": "template missing",
                    }
                ],
            )
        values = {**context, "locale": use, "default_locale": self.default_locale}
        values["_words"] = self.words
        subject_template, body_template = templates
        try:
            subject = (
                " ".join(subject_template.render(**values).split()) if subject_template else ""
            )
            body = _tidy(body_template.render(**values))
        except TemplateError as exc:
            raise MappingError(
                f"message template {use}/{name} failed: {exc}",
                errors=[
                    {
                        "file": f"{TEXTS_DIR}/{use}/{name}{SUFFIX}",
                        "line": getattr(exc, "lineno", None) or _template_line(exc),
                        "field": None,
                        "message": explain(exc, values),
                    }
                ],
            ) from exc
        return Rendered(subject=subject, text=body, html=markdown_to_html(body))


_NO_ATTRIBUTE = re.compile(r"^'(?P<owner>[\w.]+) object' has no attribute '(?P<name>\w+)'")
_UNDEFINED = re.compile(r"^'(?P<name>\w+)' is undefined")


def _attributes(qualified: str) -> list[str]:
    """The public attributes of the class named in Jinja's message (dataclasses: fields)."""
    module_name, _, class_name = qualified.rpartition(".")
    owner = getattr(sys.modules.get(module_name), class_name, None)
    if owner is None:
        return []
    fields = [f.name for f in dataclasses.fields(owner)] if dataclasses.is_dataclass(owner) else []
    return fields + [n for n in dir(owner) if not n.startswith("_") and n not in fields]


def explain(exc: BaseException, values: Mapping[str, Any]) -> str:
    """Jinja's message, with the names the template may use and the closest one."""
    message = str(exc)
    allowed: list[str] = []
    name = ""
    if match := _NO_ATTRIBUTE.match(message):
        name, allowed = match["name"], _attributes(match["owner"])
    elif match := _UNDEFINED.match(message):
        name = match["name"]
        allowed = sorted(k for k in values if not k.startswith("_"))
    if not allowed:
        return message
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"{message}.{hint} Allowed: {', '.join(allowed)}."


def _template_line(exc: BaseException) -> int | None:
    """The template line a rendering error happened on (Jinja keeps it in the traceback)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _tidy(text: str) -> str:
    """Collapse the blank lines that optional template sections leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip()


def load_templates(directory: Path, mappings: Mappings) -> MessageTemplates:
    """Read every ``<locale>/<name>.md`` below ``directory`` (the mappings' ``texts``
    folder), with the words of ``mappings``; raises ``MappingError``."""
    if not directory.is_dir():
        raise MappingError(
            f"texts folder {directory} does not exist",
            errors=[{"file": str(directory), "line": None, "field": None, "message": "missing"}],
        )
    sources: dict[tuple[str, str], str] = {}
    for path in sorted(directory.glob(f"*/*{SUFFIX}")):
        if path.name.lower() == "readme.md":
            continue
        try:
            sources[(path.parent.name, path.stem)] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MappingError(
                f"cannot read {path}",
                errors=[{"file": str(path), "line": None, "field": None, "message": str(exc)}],
            ) from exc
    return MessageTemplates(
        sources, default_locale=mappings.organization.default_locale, words=mappings.texts
    )


_CACHE: dict[tuple[str, str, float], MessageTemplates] = {}


def message_templates(mappings: Mappings) -> MessageTemplates:
    """The templates of ``mappings`` (read once; again when a file or the words change)."""
    directory = Path(mappings.source) / TEXTS_DIR
    try:
        stamp = max((p.stat().st_mtime for p in directory.glob(f"*/*{SUFFIX}")), default=0.0)
    except OSError:
        stamp = 0.0
    key = (str(directory), mappings.digest, stamp)
    found = _CACHE.get(key)
    if found is None:
        found = load_templates(directory, mappings)
        if len(_CACHE) >= 8:
            _CACHE.clear()
        _CACHE[key] = found
    return found
