"""Sandbox commands: ``sandbox`` (the embedded Decidim) and ``demo`` (sandbox + bridge)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from decidim_bridge.sandbox.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET


def _raise_interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--public-url", help="Base of the URLs in the data [default: http://localhost:PORT].")
@click.option("--api-key", default=DEFAULT_API_KEY, show_default=True)
@click.option("--api-secret", default=DEFAULT_API_SECRET, show_default=True)
@click.option(
    "--jwt-expires-in",
    default=120.0,
    show_default=True,
    type=float,
    help="Token lifetime in minutes (DECIDIM_API_JWT_EXPIRES_IN).",
)
@click.option(
    "--rate-limit",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests per client IP per period (Rack::Attack).",
)
@click.option("--rate-period", default=60.0, show_default=True, type=float, help="Seconds.")
@click.option("--webhook-url", help="Send signed Standard Webhooks to this URL.")
@click.option("--webhook-secret", help="whsec_... secret for --webhook-url.")
@click.option(
    "--seed/--no-seed",
    default=True,
    show_default=True,
    help="Load Gemeente Lindeburg's example data.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Load published seed proposals as drafts; POST /_sandbox/replay publishes them.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the sandbox's records in this JSON file across restarts.",
)
@click.option("--admin-token", help="Require X-Sandbox-Token on /_sandbox/ endpoints.")
@click.option("--disclose-version", is_flag=True, help="Answer decidim { version } (0.32.0).")
@click.option("--anonymous-introspection", is_flag=True, help="Allow introspection without login.")
@click.option("--force-api-authentication", is_flag=True, help="Refuse anonymous API calls (401).")
@click.option(
    "--bridge-module/--no-bridge-module",
    default=True,
    show_default=True,
    help="Serve the decidim-bridge module's API extensions and send its events.",
)
@click.option("--verbose", is_flag=True, help="Log every request.")
def sandbox(**options: Any) -> None:
    """Run the Decidim sandbox: Decidim's API for Gemeente Lindeburg, without Decidim."""
    from decidim_bridge.sandbox.app import create_sandbox_app
    from decidim_bridge.sandbox.seed import SeedError
    from decidim_bridge.sandbox.server import serve_forever
    from decidim_bridge.sandbox.settings import SandboxConfig

    verbose = options.pop("verbose")
    options["jwt_expires_in"] = options["jwt_expires_in"] * 60
    if bool(options["webhook_url"]) != bool(options["webhook_secret"]):
        raise click.UsageError("--webhook-url and --webhook-secret go together")
    try:
        app = create_sandbox_app(SandboxConfig(**options))
    except (SeedError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    config = app.extensions["sandbox"].config
    click.echo(
        f"Decidim sandbox for {config.base_url} listening on http://{config.host}:{config.port}"
    )
    click.echo(
        f"  API:        POST {config.base_url}/api   (console: {config.base_url}/api/graphiql)"
    )
    click.echo(f"  API key:    {config.api_key}")
    click.echo(f"  API secret: {config.api_secret}")
    if config.webhook_url:
        click.echo(f"  webhooks:   {config.webhook_url}")
    click.echo("  control:    /_sandbox/ (see docs/sandbox.md)")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        serve_forever(app, config.host, config.port, quiet=not verbose)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {config.host}:{config.port}: {exc}") from exc
    finally:
        app.extensions["sandbox"].close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--sandbox-port", default=3000, show_default=True, type=int)
@click.option("--bridge-port", default=8000, show_default=True, type=int)
@click.option(
    "--instance-dir",
    default=Path("instance/demo"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo keeps its database, logs and mails (emptied first).",
)
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Keep serving after the replay (Ctrl-C stops everything).",
)
@click.option(
    "--timeout",
    default=50.0,
    show_default=True,
    type=float,
    help="Seconds to wait for the replay to settle.",
)
def demo(
    host: str,
    sandbox_port: int,
    bridge_port: int,
    instance_dir: Path,
    serve: bool,
    timeout: float,
) -> None:
    """Run sandbox, bridge and worker together and replay the example initiatives."""
    from decidim_bridge.sandbox.demo import Demo, DemoError, DemoOptions

    options = DemoOptions(
        host=host,
        sandbox_port=sandbox_port,
        bridge_port=bridge_port,
        instance_dir=instance_dir,
        timeout=timeout,
    )
    runner = Demo(options, echo=click.echo)
    try:
        ok = runner.run(serve=serve)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(0 if ok else 1)


def register(group: click.Group) -> None:
    for command in (sandbox, demo):
        group.add_command(command)
