"""Persistence: the one module family that owns the SQL database.

``Database`` wraps a SQLAlchemy engine (SQLite by default, PostgreSQL when the URL says so)
and translates driver errors into ``StoreError``/``StoreUnavailable``. Table definitions live
in ``schema``; each concern (inbox, plans, outbox, ...) has its own module of functions that
take a connection, so that several of them can share one transaction.
"""

from decidim_bridge.store.database import Database

__all__ = ["Database"]
