"""The digest as a council letter: Markdown from ``texts/<locale>/digest.md``, or HTML, or
plain text.

Every word of the letter lives in the editable template; this module only hands it the
digest as plain values (amounts in euros for the ``money`` filter, stages as the words
file's labels). Titles come from residents, so Markdown characters in them are escaped:
``*`` in a title stays a star, not emphasis. Plain text is the Markdown with headings
underlined and emphasis marks dropped, as in the plain part of the bridge's mails.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from decidim_bridge.digest.model import Digest
from decidim_bridge.plan.texts import label, texts_for
from decidim_bridge.rules.model import STAGES, Mappings
from decidim_bridge.writeback.templates import MessageTemplates, Rendered

TEMPLATE = "digest"
FORMATS = ("text", "markdown", "html")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#<>|~])")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _values(data: Any, escape: bool) -> Any:
    """``asdict`` output made template-friendly: ``*_cents`` also as euros, titles escaped."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out[key] = _values(value, escape)
            if key.endswith("_cents") and isinstance(value, int):
                out[key.removesuffix("_cents")] = _euros(value)
        if escape and isinstance(data.get("title"), str):
            out["title"] = escape_markdown(data["title"])
        return out
    if isinstance(data, list | tuple):
        return [_values(v, escape) for v in data]
    return data


def digest_context(digest: Digest, mappings: Mappings, *, escape: bool = True) -> dict[str, Any]:
    texts = texts_for(mappings, digest.locale)
    context: dict[str, Any] = _values(asdict(digest), escape)
    context["stage_labels"] = {s: label(texts, "stage", s) for s in STAGES}
    return context


def plain_text(markdown: str) -> str:
    """Markdown as plain text: headings underlined, emphasis marks dropped."""
    out: list[str] = []
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            text = heading.group(2).replace("**", "")
            out.append(text)
            out.append(("=" if len(heading.group(1)) <= 2 else "-") * len(text))
            continue
        out.append(line.replace("**", ""))
    return "\n".join(out)


def _html_document(rendered: Rendered, locale: str) -> str:
    title = html.escape(rendered.subject)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(locale)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n{rendered.html}\n</body>\n</html>\n"
    )


def render_digest(
    digest: Digest,
    mappings: Mappings,
    fmt: str,
    templates: MessageTemplates,
) -> str:
    """The digest in ``fmt`` (text, markdown or html); raises ``MappingError`` when the
    template fails and ``ValueError`` for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    context = digest_context(digest, mappings, escape=fmt != "text")
    rendered = templates.render(TEMPLATE, digest.locale, context)
    if fmt == "html":
        return _html_document(rendered, digest.locale)
    if fmt == "markdown":
        return rendered.text + "\n"
    return plain_text(rendered.text) + "\n"


def render_digest_mail(digest: Digest, mappings: Mappings, templates: MessageTemplates) -> Rendered:
    """The digest as a mail: the template's subject, plain text and an HTML body.

    Rendered twice: titles escaped for the HTML part, as written for the plain part."""
    marked = templates.render(TEMPLATE, digest.locale, digest_context(digest, mappings))
    plain = templates.render(
        TEMPLATE, digest.locale, digest_context(digest, mappings, escape=False)
    )
    return Rendered(subject=marked.subject, text=plain_text(plain.text), html=marked.html)
