"""decidim-bridge: support plans for citizen initiatives in Decidim.

The WSGI entry point is ``decidim_bridge.app:create_app()`` (``gunicorn
'decidim_bridge.app:create_app()'``). The package itself imports nothing, so that the pure
core (``intake``, ``plan``, ``rules``) can be used without Flask or SQLAlchemy.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
