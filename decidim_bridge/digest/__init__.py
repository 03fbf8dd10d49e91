"""Council-ready digests (raadsinformatiebrief) of citizen initiatives per wijk and portfolio.

``build_digest`` selects the stored current plans of a period and sums them up per district
and per wethouder's portfolio; ``render_digest`` writes the result with the editable
``texts/<locale>/digest.md`` template. Both are pure over plain data: the CLI reads the
store and writes the file.
"""

from decidim_bridge.digest.build import build_digest
from decidim_bridge.digest.model import Digest, Period
from decidim_bridge.digest.render import FORMATS, render_digest

__all__ = ["FORMATS", "Digest", "Period", "build_digest", "render_digest"]
