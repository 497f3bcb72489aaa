"""Plumbing tasks. `ping` proves a worker consumes from the broker (used by /healthz tests)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="config.ping")
def ping(value: str) -> str:
    return f"pong:{value}"
