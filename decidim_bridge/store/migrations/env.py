"""Alembic environment: migrations run on the connection handed over by ``Database``."""

from alembic import context

from decidim_bridge.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through Database.upgrade()
    raise RuntimeError("run migrations with `decidim-bridge db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
