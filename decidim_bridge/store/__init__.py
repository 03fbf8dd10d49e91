"""Persistence: the one module family that owns the SQL database.

``Database`` wraps a SQLAlchemy engine (SQLite by default, PostgreSQL when the URL says so)
and translates driver errors into ``StoreError``/``StoreUnavailable``. Every table is
declared in ``schema``; each concern (inbox, plans, outbox, poller, budget) has its own
module of functions that run SQL on a ``Connection`` the caller holds, so that several of
them can share one transaction. They take and return plain rows and dataclasses defined
here: the store never imports the plan engine or the write-back (the pipeline converts
plans to rows and orchestrates).
"""

from decidim_bridge.store.database import Database

__all__ = ["Database"]
