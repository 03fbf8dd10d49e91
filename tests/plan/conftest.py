"""Fixtures for plan tests."""

from __future__ import annotations

import pytest
from plan_support import example_mappings

from decidim_bridge.rules.model import Mappings


@pytest.fixture
def mappings() -> Mappings:
    return example_mappings()
