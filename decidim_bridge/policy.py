"""Municipal policy: the rules' ``policy.yaml`` first, the old settings second.

The reference prefix, the sender, the reply-to address and the publication mode are
decisions of the municipality, so they live in ``mappings/policy.yaml``. Deployments that
still set ``DECIDIM_BRIDGE_REF_PREFIX``, ``DECIDIM_BRIDGE_MAIL_FROM`` or
``DECIDIM_BRIDGE_PUBLICATION_MODE`` keep working: the variable applies where the file says
nothing, and a deprecation warning names the key to move it to. Pure apart from logging
each warning once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import formataddr

from decidim_bridge.config import Settings
from decidim_bridge.rules.model import Mappings
from decidim_bridge.rules.notices import ENGLISH, Notice

log = logging.getLogger(__name__)

#: Deprecated setting -> the policy.yaml key that replaces it.
MOVED = {
    "ref_prefix": "reference_prefix",
    "mail_from": "sender",
    "publication_mode": "publication",
}

_warned: set[str] = set()


@dataclass(frozen=True)
class EffectivePolicy:
    ref_prefix: str
    mail_from: str  # "Name <address>" or the address
    reply_to: str | None
    publication_mode: str


def resolve(settings: Settings, mappings: Mappings) -> tuple[EffectivePolicy, list[Notice]]:
    """The policy in force and the deprecation warnings for settings still given
    (``check-mappings`` shows them in the rules' language, the log in English)."""
    policy = mappings.policy
    warnings: list[Notice] = []
    for setting, key in MOVED.items():
        if setting in settings.explicit:
            variable = f"DECIDIM_BRIDGE_{setting.upper()}"
            given = {
                "ref_prefix": policy.reference_prefix,
                "mail_from": policy.sender_email,
                "publication_mode": policy.publication,
            }[setting]
            code = "deprecated" if given is None else "deprecated_ignored"
            warnings.append(Notice(code, {"variable": variable, "key": key}))
    address = policy.sender_email or settings.mail_from
    mail_from = formataddr((policy.sender_name, address)) if policy.sender_name else address
    return (
        EffectivePolicy(
            ref_prefix=policy.reference_prefix or settings.ref_prefix,
            mail_from=mail_from,
            reply_to=policy.reply_to,
            publication_mode=policy.publication or settings.publication_mode,
        ),
        warnings,
    )


def policy_for(settings: Settings, mappings: Mappings) -> EffectivePolicy:
    """``resolve``, logging each deprecation warning once per process."""
    effective, warnings = resolve(settings, mappings)
    for warning in warnings:
        line = _log_line(warning)
        if line not in _warned:
            _warned.add(line)
            log.warning(line)
    return effective


def _log_line(notice: Notice) -> str:
    """The warning as the operators' log says it (English, like every log line)."""
    return ENGLISH[notice.key].format(**notice.args)
