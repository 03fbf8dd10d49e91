"""Decidim's API limits the bridge keeps to (the defaults of ``Decidim::Api``), apart from
the client so that pure code can plan requests without importing it."""

from __future__ import annotations

#: ``API_SCHEMA_MAX_PER_PAGE``: the most items one connection page returns.
MAX_PAGE_SIZE = 50
#: ``API_SCHEMA_MAX_ALIASES``: the most aliased fields in one document.
MAX_ALIASES = 5
#: Proposals per ``fetch_proposals`` request: one aliased field each.
MAX_BATCH = MAX_ALIASES
