"""HTTP adapters: thin Flask blueprints that call into the core.

They take the per-app state and the JSON error response from ``web.state``; ``app``
registers them.
"""
