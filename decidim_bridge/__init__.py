"""decidim-bridge: support plans for citizen initiatives in Decidim.

``create_app()`` is the WSGI entry point (``gunicorn 'decidim_bridge:create_app()'``).
"""

from decidim_bridge.app import create_app

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]
