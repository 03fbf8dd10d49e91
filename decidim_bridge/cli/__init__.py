"""The ``decidim-bridge`` command: thin click commands that call into the core.

Each area registers its commands from its own module (``COMMAND_MODULES``).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click

COMMAND_MODULES = (
    "decidim_bridge.cli.core",
    "decidim_bridge.cli.sources",
    "decidim_bridge.cli.writeback",
    "decidim_bridge.cli.sandbox",
    "decidim_bridge.cli.decidim",
    "decidim_bridge.cli.plan",
    "decidim_bridge.cli.digest",
    "decidim_bridge.cli.ops",
)


def _prepare_metrics_dir() -> None:
    """Share Prometheus metrics between the web and worker processes of one installation.

    Must run before ``prometheus_client`` is imported. Processes that no longer exist are
    marked dead: their live gauges go, their counters and histograms stay in the totals
    (deleting those files would make the counts of a finished worker vanish).
    """
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        base = Path(os.environ.get("DECIDIM_BRIDGE_INSTANCE_DIR", Path.cwd() / "instance"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(base / "prometheus")
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    from prometheus_client import multiprocess

    for file in directory.glob("gauge_live*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@click.group()
@click.version_option(package_name="decidim-bridge")
def cli() -> None:
    """decidim-bridge: support plans for citizen initiatives in Decidim."""


def main() -> None:
    _prepare_metrics_dir()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(cli)
    cli(auto_envvar_prefix="DECIDIM_BRIDGE_CLI")
