"""``/approvals/<token>``: the small confirmation page behind the advisor's one-click links.

GET only shows what the link will do (mail scanners open links; they must not decide
anything); the advisor confirms with one button (POST), which records the decision once.
The POST must come from the page itself: its ``Origin`` (or, without one, its ``Referer``)
must be the bridge's public origin or the origin the request was addressed to; a form on
another site (or no browser at all) gets 403 and decides nothing, even with a valid token.
The page sends ``Referrer-Policy: same-origin`` so that browsers keep sending that origin.
The page sets no cookies.
The token logic is ``writeback.approvals``; the page is ``templates/approval.html`` and its
lines are the ``approval`` section of the words files (``mappings/texts/<locale>.yaml``), in
the language the browser prefers among the organization's.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request

from decidim_bridge.errors import LinkError
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.rules.model import Mappings
from decidim_bridge.web.state import BridgeState, bridge_state
from decidim_bridge.writeback.approvals import decide, inspect_link

blueprint = Blueprint("approvals", __name__, template_folder="templates")


def _lines(state: BridgeState) -> tuple[str, dict[str, str]]:
    """The reader's language and its approval lines (the mappings are loaded once per app)."""
    mappings: Mappings | None = state.mappings
    if mappings is None:
        mappings = state.mappings = load_mappings(state.settings.mappings_dir)
    default = mappings.organization.default_locale
    lang = request.accept_languages.best_match(list(mappings.texts), default=default) or default
    return lang, mappings.texts[lang].approval


def _page(
    lang: str,
    title: str,
    line: str,
    status: int = 200,
    *,
    warning: str | None = None,
    button: str | None = None,
) -> Response:
    html = render_template(
        "approval.html", lang=lang, title=title, line=line, warning=warning, button=button
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@blueprint.get("/approvals/<token>")
def show(token: str) -> Response:
    state = bridge_state(current_app)
    lang, t = _lines(state)
    try:
        status = inspect_link(state.db, state.settings, token, now=state.clock())
    except LinkError:
        return _page(lang, t["title"].format(proposal="?"), t["invalid"], 403)
    claim = status.claim
    title = t["title"].format(proposal=claim.proposal_id)
    if status.used is not None:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(status.used.decided_at))
        used = t["used"].format(when=when, who=status.used.decided_by)
        return _page(lang, title, used, 409)
    newer = None
    if status.newest_version and status.newest_version > claim.plan_version:
        newer = t["newer"].format(version=status.newest_version)
    return _page(
        lang,
        title,
        t[claim.action].format(proposal=claim.proposal_id, version=claim.plan_version),
        warning=newer,
        button=t["confirm_" + claim.action],
    )


@blueprint.post("/approvals/<token>")
def confirm(token: str) -> Response:
    state = bridge_state(current_app)
    lang, t = _lines(state)
    if not _same_origin(state):
        return _page(lang, t["title"].format(proposal="?"), t["invalid"], 403)
    try:
        decision = decide(state.db, state.settings, token, now=state.clock())
    except LinkError:
        return _page(lang, t["title"].format(proposal="?"), t["invalid"], 403)
    title = t["title"].format(proposal=decision.claim.proposal_id)
    line = t[decision.outcome].format(count=decision.released)
    return _page(lang, title, line, 409 if decision.outcome == "already-used" else 200)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_origin(state: BridgeState) -> bool:
    """Whether the POST comes from a page of the bridge itself (CSRF defence)."""
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent:
        return False
    origin = _origin(sent)
    allowed = {_origin(state.settings.public_url), _origin(request.host_url)}
    return origin is not None and origin in allowed
