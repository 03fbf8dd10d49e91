"""Fresh databases for the benchmarks: a SQLite file in a temporary folder, or a schema of
its own in a PostgreSQL database, dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

DEFAULT_POSTGRES_URL = os.environ.get(
    "DECIDIM_BRIDGE_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path, postgres_url: str) -> Iterator[str]:
    """A fresh, empty database URL; a PostgreSQL schema is dropped afterwards."""
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="db-", dir=workdir))
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
        return
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used (None: it can)."""
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip()[:120]}"
    return None
