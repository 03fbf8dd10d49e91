"""The SQLAlchemy engine, transactions with error translation, and migrations.

SQLite runs in WAL mode with ``synchronous=FULL``: the bridge acknowledges a webhook only
after its inbox row is committed, so a commit must survive a power loss. Write transactions
start with ``BEGIN IMMEDIATE`` so a reader is never upgraded to a writer half-way (which is
what produces SQLITE_BUSY). PostgreSQL needs none of this.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from decidim_bridge.errors import StoreError, StoreUnavailable
from decidim_bridge.store.writer_turns import WriterTurns, turns_for

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


class Database:
    """One database (one URL). Cheap to share between threads; create one per process."""

    def __init__(self, url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"future": True}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
        elif self.dialect == "postgresql":
            if parsed.drivername == "postgresql":
                url = parsed.set(drivername="postgresql+psycopg").render_as_string(
                    hide_password=False
                )
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
            kwargs["connect_args"] = {"connect_timeout": 5}
        self.engine: Engine = create_engine(url, **kwargs)
        #: Write transactions on a SQLite file take turns (``writer_turns``); None: no turns.
        self.turns: WriterTurns | None = None
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine, busy_timeout_ms)
            lock_path = sqlite_lock_path(url)
            if lock_path is not None:
                self.turns = turns_for(lock_path)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def writer_turn(self) -> Iterator[None]:
        """This thread's turn to write (SQLite files); nothing to wait for otherwise."""
        if self.turns is None:
            yield
            return
        with self.turns.turn(self.busy_timeout_ms / 1000):
            yield

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on error, translates errors."""
        with self.writer_turn():
            try:
                with self.engine.begin() as conn:
                    yield conn
            except SQLAlchemyError as exc:
                raise translate(exc) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite a deferred one that never takes the write lock)."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(sqlite_begin="DEFERRED")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise translate(exc) from exc

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers a trivial query."""
        with self.read() as conn:
            conn.execute(text("SELECT 1"))

    def probe_write(self, timeout: float) -> None:
        """Raise ``StoreUnavailable`` unless a write could start within ``timeout`` seconds.

        Readiness needs this, not ``ping``: a SQLite file whose write lock another
        connection holds still answers reads, and so does a PostgreSQL server that is
        read-only or whose inbox table is locked. Nothing is written: SQLite takes the
        write lock (``BEGIN IMMEDIATE``) and gives it back; PostgreSQL takes the lock an
        ``INSERT`` into the inbox takes, under ``lock_timeout``, and rolls back.
        """
        ms = max(1, int(timeout * 1000))
        statement = "BEGIN IMMEDIATE"
        try:
            if self.dialect == "sqlite":
                raw = self.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute(f"PRAGMA busy_timeout={ms}")
                    try:
                        cursor.execute(statement)
                        cursor.execute("ROLLBACK")
                    finally:
                        cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
                        cursor.close()
                finally:
                    raw.close()
                return
            with self.engine.connect() as conn, conn.begin() as transaction:
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
                if conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
                    raise StoreUnavailable("database unavailable: it is read-only")
                conn.exec_driver_sql("LOCK TABLE inbox IN ROW EXCLUSIVE MODE")
                transaction.rollback()
        except SQLAlchemyError as exc:
            raise translate(exc) from exc
        except self._driver_errors() as exc:
            raise translate_driver_error(exc, statement, self.engine.dialect) from exc

    def _driver_errors(self) -> type[Exception]:
        error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        return error

    # --- migrations ----------------------------------------------------------------------

    def _alembic_config(self, conn: Connection | None = None) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        return cfg

    def upgrade(self) -> list[str]:
        """Apply every pending migration; returns the heads the database is at afterwards."""
        try:
            with self.writer_turn(), self.engine.begin() as conn:
                command.upgrade(self._alembic_config(conn), "heads")
        except SQLAlchemyError as exc:
            raise translate(exc) from exc
        return sorted(self.current_revisions())

    def current_revisions(self) -> set[str]:
        with self.read() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())

    def expected_revisions(self) -> set[str]:
        return set(ScriptDirectory.from_config(self._alembic_config()).get_heads())

    def migrations_current(self) -> bool:
        return self.current_revisions() == self.expected_revisions()

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how transactions start.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def sqlite_lock_path(url: str) -> str | None:
    """The file next to a SQLite database that its writers take turns on (None: an
    in-memory or URI database, which one process owns)."""
    database = make_url(url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer.lock"


_UNAVAILABLE_MARKERS = (
    "database is locked",
    "database is busy",
    "unable to open database",
    "disk i/o error",
    "connection refused",
    "could not connect",
    "server closed the connection",
    "terminating connection",
    "connection timeout",
    "timeout expired",
    "the database system is starting up",
    "the database system is shutting down",
)


def translate_driver_error(exc: Exception, statement: str, dialect: Any) -> StoreError:
    """Translate an error the driver raised for a statement run on its own cursor."""
    wrapped = DBAPIError.instance(
        statement, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
    )
    return translate(wrapped)


def translate(exc: SQLAlchemyError) -> StoreError:
    """Map a SQLAlchemy/driver error to our tree: unavailable (retry) or a plain store error."""
    message = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return StoreUnavailable(f"database unavailable: {message.splitlines()[0][:200]}")
    if any(marker in message for marker in _UNAVAILABLE_MARKERS):
        return StoreUnavailable(f"database unavailable: {message.splitlines()[0][:200]}")
    return StoreError(f"database error: {message.splitlines()[0][:200]}")
