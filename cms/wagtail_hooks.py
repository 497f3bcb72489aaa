"""Wagtail discovers hooks here; each feature keeps its own in its package."""

from cms.compliance import wagtail_hooks as compliance_hooks  # noqa: F401
