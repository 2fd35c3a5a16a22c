from celery import shared_task


@shared_task(name="enterprises.ping")
def ping(value: str) -> str:
    """Round-trip probe for the broker and workers (used by health checks and tests)."""
    return f"pong:{value}"
