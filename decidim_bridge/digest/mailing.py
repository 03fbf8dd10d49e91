"""Sending the digest: one outbox mail per subscriber per period, recorded once.

``digest_mails`` is pure: it turns each subscriber's digest into an outbox effect whose
key is a hash of (organization, stakeholder, period), or says why there is none (nothing
to report, no e-mail address). ``record_digest_mails`` reads the stored plans and records
the effects; the writer sends them like every other mail. Recording the same period
again finds the keys present and adds nothing, so a scheduled run may be repeated safely.
"""

from __future__ import annotations

from dataclasses import dataclass

from decidim_bridge.config import Settings
from decidim_bridge.digest.audience import AudienceDigest, audience_digests
from decidim_bridge.digest.model import Period
from decidim_bridge.digest.render import render_digest_mail
from decidim_bridge.plan_versions import current_versions
from decidim_bridge.policy import policy_for
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.store.outbox import NewEffect
from decidim_bridge.writeback.effects import MAIL, mail_effect
from decidim_bridge.writeback.keys import effect_key, ref_code
from decidim_bridge.writeback.templates import MessageTemplates, message_templates

PURPOSE = "digest"
#: What became of one subscriber in a run.
PLANNED = "planned"
ALREADY = "already recorded"
EMPTY = "nothing to report"
NO_ADDRESS = "no e-mail address"


def digest_key(tenant: str, stakeholder_id: str, period: Period) -> str:
    """The outbox key of one stakeholder's digest of one period."""
    window = f"{period.since.isoformat()}/{period.until.isoformat()}"
    return effect_key(tenant, PURPOSE, window, f"{MAIL}:{PURPOSE}", stakeholder_id)


@dataclass(frozen=True)
class DigestMail:
    """One subscriber's outcome: ``effect`` is None when nothing is to be sent."""

    stakeholder_id: str
    name: str
    count: int
    outcome: str
    effect: NewEffect | None = None


def digest_mails(
    digests: list[AudienceDigest],
    *,
    tenant: str,
    period: Period,
    mail_from: str,
    ref_prefix: str,
    templates: MessageTemplates,
    mappings: Mappings,
    reply_to: str | None = None,
) -> list[DigestMail]:
    """The mail effect of every subscriber with something to report and an address."""
    result = []
    for item in digests:
        stakeholder = item.stakeholder
        count = item.digest.totals.count
        address = stakeholder.contact.email
        if item.empty:
            result.append(DigestMail(stakeholder.id, stakeholder.name, 0, EMPTY))
            continue
        if not address:
            result.append(DigestMail(stakeholder.id, stakeholder.name, count, NO_ADDRESS))
            continue
        key = digest_key(tenant, stakeholder.id, period)
        ref = ref_code(key, ref_prefix)
        effect = mail_effect(
            tenant=tenant,
            key=key,
            ref=ref,
            proposal_id="",
            plan_version=None,
            purpose=PURPOSE,
            to=address,
            to_name=stakeholder.contact.name or stakeholder.name,
            rendered=render_digest_mail(item.digest, mappings, templates),
            locale=item.digest.locale,
            mail_from=mail_from,
            reply_to=reply_to,
            extra={
                "stakeholder_id": stakeholder.id,
                "period": [period.since.isoformat(), period.until.isoformat()],
            },
        )
        result.append(DigestMail(stakeholder.id, stakeholder.name, count, PLANNED, effect))
    return result


def record_digest_mails(
    db: Database, settings: Settings, mappings: Mappings, period: Period, now: float
) -> list[DigestMail]:
    """Record the digest mails of ``period`` for the configured organization (once each)."""
    policy = policy_for(settings, mappings)
    with db.read() as conn:
        plans = [v.plan for v in current_versions(conn, settings.tenant)]
    mails = digest_mails(
        audience_digests(plans, mappings, period, now),
        tenant=settings.tenant,
        period=period,
        mail_from=policy.mail_from,
        ref_prefix=policy.ref_prefix,
        reply_to=policy.reply_to,
        templates=message_templates(mappings),
        mappings=mappings,
    )
    effects = [m.effect for m in mails if m.effect is not None]
    with db.begin() as conn:
        # One effect per call: an empty result says this key was recorded before.
        new_keys = {e.effect_key for e in effects if outbox_store.record(conn, [e], now=now)}
    return [
        m
        if m.effect is None or m.effect.effect_key in new_keys
        else DigestMail(m.stakeholder_id, m.name, m.count, ALREADY, m.effect)
        for m in mails
    ]
