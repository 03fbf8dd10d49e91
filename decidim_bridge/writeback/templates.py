"""The editable message templates in ``mappings/messages/<locale>/<name>.md``.

One file per message and locale, written in Markdown with Jinja placeholders, so that
municipal staff edit a single readable text: Decidim renders comments as Markdown, the
answer and the HTML part of mails are produced from the same source, and the plain-text
part of a mail is the Markdown itself. A mail template starts with a ``Subject:`` line.

Templates run in Jinja's sandbox with strict undefined variables: a typo in a placeholder
is an error when the templates are checked, not a blank in a resident's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from decidim_bridge.errors import MappingError
from decidim_bridge.writeback.formatting import format_date, format_money, join_words, localized

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
    return _markdown.render(text).strip()


@pass_context
def _date(ctx: Context, value: Any, weekday: bool = True) -> str:
    return format_date(value, ctx["locale"], weekday=weekday)


@pass_context
def _money(ctx: Context, value: Any) -> str:
    return format_money(value, ctx["locale"])


@pass_context
def _words(ctx: Context, value: Any) -> str:
    return join_words(value, ctx["locale"])


@pass_context
def _translated(ctx: Context, value: Any) -> str:
    return localized(value, ctx["locale"], ctx["default_locale"])


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(date=_date, money=_money, words=_words, t=_translated)
    return env


class MessageTemplates:
    """Compiled templates by (locale, name); rendering falls back to the default locale."""

    def __init__(self, sources: dict[tuple[str, str], str], *, default_locale: str = "nl"):
        self.default_locale = default_locale
        self._env = _environment()
        self._compiled: dict[tuple[str, str], Any] = {}
        problems: list[dict[str, Any]] = []
        for (locale, name), source in sorted(sources.items()):
            try:
                self._compiled[(locale, name)] = self._env.from_string(source)
            except TemplateSyntaxError as exc:
                problems.append(
                    {
                        "file": f"messages/{locale}/{name}{SUFFIX}",
                        "line": exc.lineno,
                        "field": None,
                        "message": exc.message or "template syntax error",
                    }
                )
        if problems:
            raise MappingError("message templates are invalid", errors=problems)

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
        template = self._compiled.get((use, name))
        if template is None:
            raise MappingError(
                f"no message template {name!r}",
                errors=[
                    {
                        "file": f"messages/{self.default_locale}/{name}{SUFFIX}",
                        "line": None,
                        "field": None,
                        "message": "template missing",
                    }
                ],
            )
        try:
            output = template.render(**context, locale=use, default_locale=self.default_locale)
        except TemplateError as exc:
            raise MappingError(
                f"message template {use}/{name} failed: {exc}",
                errors=[
                    {
                        "file": f"messages/{use}/{name}{SUFFIX}",
                        "line": getattr(exc, "lineno", None),
                        "field": None,
                        "message": str(exc),
                    }
                ],
            ) from exc
        return split_subject(_tidy(output))


def _tidy(text: str) -> str:
    """Collapse the blank lines that optional template sections leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip()


def split_subject(text: str) -> Rendered:
    subject = ""
    body = text
    first, _, rest = text.partition("\n")
    if first.lower().startswith(_SUBJECT):
        subject = first[len(_SUBJECT) :].strip()
        body = rest.strip()
    return Rendered(subject=subject, text=body, html=markdown_to_html(body))


def load_templates(directory: Path, *, default_locale: str = "nl") -> MessageTemplates:
    """Read every ``<locale>/<name>.md`` below ``directory``; raises ``MappingError``."""
    if not directory.is_dir():
        raise MappingError(
            f"message templates folder {directory} does not exist",
            errors=[{"file": str(directory), "line": None, "field": None, "message": "missing"}],
        )
    sources: dict[tuple[str, str], str] = {}
    for path in sorted(directory.glob(f"*/*{SUFFIX}")):
        try:
            sources[(path.parent.name, path.stem)] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MappingError(
                f"cannot read {path}",
                errors=[{"file": str(path), "line": None, "field": None, "message": str(exc)}],
            ) from exc
    return MessageTemplates(sources, default_locale=default_locale)
