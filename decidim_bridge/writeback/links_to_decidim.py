"""Addresses of a proposal in Decidim: the public page and the admin page advisors use.

Decidim routes admin pages per space type: participatory processes live under
``/admin/participatory_processes/<slug>/``, assemblies under ``/admin/assemblies/<slug>/``;
the public pages under ``/processes/<slug>/`` and ``/assemblies/<slug>/``.
"""

from __future__ import annotations

from urllib.parse import quote

from decidim_bridge.writeback.subject import Space

_SPACES = {
    "Decidim::ParticipatoryProcess": ("participatory_processes", "processes"),
    "Decidim::Assembly": ("assemblies", "assemblies"),
    "Decidim::Conference": ("conferences", "conferences"),
    "Decidim::Initiative": ("initiatives", "initiatives"),
}


def _segments(space: Space) -> tuple[str, str]:
    try:
        return _SPACES[space.type]
    except KeyError:
        short = space.type.rsplit("::", 1)[-1]
        if short in ("ParticipatoryProcess", "participatory_process"):
            return _SPACES["Decidim::ParticipatoryProcess"]
        if short in ("Assembly", "assembly"):
            return _SPACES["Decidim::Assembly"]
        raise ValueError(f"unknown participatory space type {space.type!r}") from None


def admin_url(base_url: str, space: Space, proposal_id: str) -> str:
    """``<base>/admin/<spaces>/<slug>/components/<c>/manage/proposals/<id>``."""
    admin, _ = _segments(space)
    return (
        f"{base_url.rstrip('/')}/admin/{admin}/{quote(space.slug)}/components/"
        f"{quote(str(space.component_id))}/manage/proposals/{quote(str(proposal_id))}"
    )


def public_url(base_url: str, space: Space, proposal_id: str) -> str:
    """``<base>/<spaces>/<slug>/f/<c>/proposals/<id>``."""
    _, public = _segments(space)
    return (
        f"{base_url.rstrip('/')}/{public}/{quote(space.slug)}/f/"
        f"{quote(str(space.component_id))}/proposals/{quote(str(proposal_id))}"
    )
