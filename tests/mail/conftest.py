"""Mail tests reuse the write-back fixtures (clock, templates, recording a plan's writes)."""

from writeback.conftest import clock, mappings, plan, sample_mappings, templates  # noqa: F401
