"""``/approvals/<token>``: the small confirmation page behind the advisor's one-click links.

GET only shows what the link will do (mail scanners open links; they must not decide
anything); the advisor confirms with one button (POST), which records the decision once.
"""

from __future__ import annotations

import time
from html import escape

from flask import Blueprint, Response, current_app, request

from decidim_bridge.errors import LinkError
from decidim_bridge.web.state import bridge_state
from decidim_bridge.writeback.approvals import decide, inspect_link

blueprint = Blueprint("approvals", __name__)

_TEXT = {
    "nl": {
        "title": "Openbaar bericht bij initiatief {p}",
        "approve": "Akkoord: publiceer het bericht bij initiatief {p} (planversie {v}).",
        "hold": "Nog niet publiceren: houd het bericht bij initiatief {p} (planversie {v}) tegen.",
        "confirm_approve": "Akkoord en publiceren",
        "confirm_hold": "Nog niet publiceren",
        "used": "Deze link is al gebruikt ({d} door {w}).",
        "released": "Dank u. Het bericht wordt nu gepubliceerd ({n} schrijfactie(s)).",
        "withheld": "Dank u. Het bericht blijft tegengehouden. U kunt later nog akkoord geven.",
        "nothing-held": "Er wacht niets meer op akkoord voor deze planversie.",
        "superseded": (
            "Er is een nieuwere versie van het plan. Gebruik de link in de nieuwste mail."
        ),
        "already-used": "Deze link is al gebruikt.",
        "invalid": "Deze link werkt niet (meer).",
        "newer": "Let op: er is een nieuwere planversie ({n}).",
    },
    "en": {
        "title": "Public message on initiative {p}",
        "approve": "Approve: publish the message on initiative {p} (plan version {v}).",
        "hold": "Do not publish yet: hold back the message on initiative {p} (plan version {v}).",
        "confirm_approve": "Approve and publish",
        "confirm_hold": "Do not publish yet",
        "used": "This link has already been used ({d} by {w}).",
        "released": "Thank you. The message is being published ({n} write(s)).",
        "withheld": "Thank you. The message stays held back. You can still approve it later.",
        "nothing-held": "Nothing is waiting for approval for this plan version.",
        "superseded": "There is a newer version of the plan. Use the link in the newest mail.",
        "already-used": "This link has already been used.",
        "invalid": "This link does not work (any more).",
        "newer": "Note: there is a newer plan version ({n}).",
    },
}


def _lang() -> str:
    best = request.accept_languages.best_match(["nl", "en"], default="nl")
    return best or "nl"


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        f'<!DOCTYPE html><html lang="{_lang()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title></head>'
        '<body style="font-family: Arial, sans-serif; max-width: 40em; margin: 2em auto;'
        ' padding: 0 1em; line-height: 1.5">'
        f'<h1 style="font-size: 1.3em">{escape(title)}</h1>{body}</body></html>'
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blueprint.get("/approvals/<token>")
def show(token: str) -> Response:
    state = bridge_state(current_app)
    t = _TEXT[_lang()]
    try:
        status = inspect_link(state.db, state.settings, token, now=state.clock())
    except LinkError:
        return _page(t["title"].format(p="?"), f"<p>{escape(t['invalid'])}</p>", 403)
    claim = status.claim
    title = t["title"].format(p=claim.proposal_id)
    if status.used is not None:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(status.used.decided_at))
        text = t["used"].format(d=when, w=status.used.decided_by)
        return _page(title, f"<p>{escape(text)}</p>", 409)
    parts = [f"<p>{escape(t[claim.action].format(p=claim.proposal_id, v=claim.plan_version))}</p>"]
    if status.newest_version and status.newest_version > claim.plan_version:
        parts.append(
            f"<p><strong>{escape(t['newer'].format(n=status.newest_version))}</strong></p>"
        )
    label = t["confirm_" + claim.action]
    parts.append(
        f'<form method="post"><button type="submit" style="font-size: 1.1em; padding: .5em 1em">'
        f"{escape(label)}</button></form>"
    )
    return _page(title, "".join(parts))


@blueprint.post("/approvals/<token>")
def confirm(token: str) -> Response:
    state = bridge_state(current_app)
    t = _TEXT[_lang()]
    try:
        decision = decide(state.db, state.settings, token, now=state.clock())
    except LinkError:
        return _page(t["title"].format(p="?"), f"<p>{escape(t['invalid'])}</p>", 403)
    title = t["title"].format(p=decision.claim.proposal_id)
    text = t[decision.outcome].format(n=decision.released)
    return _page(
        title, f"<p>{escape(text)}</p>", 409 if decision.outcome == "already-used" else 200
    )
