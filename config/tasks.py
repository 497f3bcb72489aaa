"""Plumbing tasks. `ping` proves a worker consumes from the broker (used by /healthz tests)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="config.ping", ignore_result=False)  # its caller waits for the answer
def ping(value: str) -> str:
    return f"pong:{value}"
