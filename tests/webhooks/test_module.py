"""The Decidim module (webhooks/decidim/): its own Ruby test suite, run by Debian's Ruby.

The suite loads the gem against Decidim-shaped models and commands (ActiveRecord on SQLite,
graphql-ruby, ActiveSupport) and checks the API extensions and the signed events; it runs
once per naming Decidim used for evaluators (``valuator`` up to the rename, ``evaluator``
after). Skipped when ruby or a library is missing unless DECIDIM_BRIDGE_REQUIRE_RUBY=1 (set by
``.ci/run``), then it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import REPO

pytestmark = [pytest.mark.ruby, pytest.mark.slow]

MODULE = REPO / "webhooks" / "decidim"
LIBRARIES = ["active_record", "sqlite3", "graphql", "active_job", "webrick", "globalid", "minitest"]
DEBIAN = (
    "ruby ruby-activerecord ruby-sqlite3 ruby-graphql ruby-activejob ruby-webrick ruby-minitest"
)


@pytest.fixture(scope="module")
def ruby() -> str:
    path = shutil.which("ruby")
    problem = None
    if path is None:
        problem = f"ruby is not installed (Debian: apt-get install {DEBIAN})"
    else:
        script = "; ".join(f'require "{lib}"' for lib in LIBRARIES)
        check = subprocess.run([path, "-e", script], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            problem = f"a Ruby library is missing (Debian: {DEBIAN}): {check.stderr.strip()}"
    if problem:
        if os.environ.get("DECIDIM_BRIDGE_REQUIRE_RUBY") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    assert path is not None
    return path


@pytest.mark.parametrize("naming", ["evaluator", "valuator"])
def test_the_module_suite_passes(ruby: str, naming: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECIDIM_")}
    env["DECIDIM_NAMING"] = naming
    result = subprocess.run(
        [ruby, "-Itest", "test/all.rb"],
        cwd=MODULE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(
        r"(\d+) runs, (\d+) assertions, (\d+) failures, (\d+) errors, (\d+) skips", output
    )
    assert summary, output
    runs, _, failures, errors, skips = (int(n) for n in summary.groups())
    assert runs >= 26 and failures == errors == skips == 0, output
