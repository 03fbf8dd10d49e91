"""The three WSGI apps ``bench/intake.py`` compares, each loaded by gunicorn in its own run.

* ``bare_app()`` — a Flask endpoint that only answers 202: the ceiling of the web stack.
* ``reference_app()`` — the least work a durable intake must do: verify the Standard
  Webhooks signature, insert the raw body with the raw driver (no ORM, no schema
  validation, no logs, no metrics) and commit durably (SQLite WAL with ``synchronous=FULL``
  and ``BEGIN IMMEDIATE``; PostgreSQL autocommit with ``synchronous_commit=on``), one commit
  per request. Table ``bench_reference`` must exist (the benchmark creates it).
* ``real_app()`` — the bridge as ``decidim-bridge serve`` runs it: settings from the
  environment, JSON logs configured, then ``decidim_bridge.app.create_app()``.

Settings come from the environment: ``BENCH_DATABASE_URL`` (reference), ``BENCH_SECRET_KEY_B64``
(reference) and the usual ``DECIDIM_BRIDGE_*`` variables (real).
"""

from __future__ import annotations

import base64
import os
import sqlite3
import threading
import time
from typing import Any

from flask import Flask, request

from decidim_bridge.errors import SignatureError
from decidim_bridge.intake.signatures import verify_standard


def bare_app() -> Flask:
    app = Flask("bench_bare")

    @app.post("/webhooks/decidim")
    def receive() -> tuple[str, int]:
        request.get_data()
        return "", 202

    @app.get("/livez")
    def livez() -> tuple[str, int]:
        return "", 200

    return app


class _ReferenceStore:
    """One connection per thread; one durable commit per stored delivery."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = threading.local()
        self.postgres = url.startswith("postgresql")

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            return psycopg.connect(self.url, autocommit=True)
        conn = sqlite3.connect(
            self.url.removeprefix("sqlite:///"),
            timeout=5.0,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def store(self, key: str, body: bytes) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self._connect()
        sql = (
            "INSERT INTO bench_reference (delivery_key, body) VALUES ({0}, {0}) "
            "ON CONFLICT DO NOTHING"
        )
        if self.postgres:
            conn.execute(sql.format("%s"), (key, body.decode("utf-8")))
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(sql.format("?"), (key, body.decode("utf-8")))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def reference_app() -> Flask:
    app = Flask("bench_reference")
    store = _ReferenceStore(os.environ["BENCH_DATABASE_URL"])
    keys = [base64.b64decode(os.environ["BENCH_SECRET_KEY_B64"])]

    @app.post("/webhooks/decidim")
    def receive() -> tuple[str, int]:
        body = request.get_data()
        try:
            key = verify_standard(request.headers, body, keys, now=time.time())  # type: ignore[arg-type]
        except SignatureError:
            return "", 401
        store.store(key, body)
        return "", 202

    @app.get("/livez")
    def livez() -> tuple[str, int]:
        return "", 200

    return app


def real_app() -> Flask:
    from decidim_bridge import logs
    from decidim_bridge.app import create_app
    from decidim_bridge.config import load_settings

    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    return create_app(settings)
