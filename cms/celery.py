"""The Celery app: configured from Django settings under the CELERY_ namespace.

Like the WSGI entry point it defaults to the production settings; `make run` and the tests set
DJANGO_SETTINGS_MODULE themselves.
"""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

app = Celery("cms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
@worker_process_init.connect
def _freeze_startup_objects(**_kwargs) -> None:
    """Keep the garbage collector off the objects Django and Wagtail load at start-up.

    They live as long as the worker, yet every full collection walks them all; a tracking drain
    allocates enough to trigger several per chunk. Freezing them cut the drain's CPU per event by
    about a third (bench/ingest_drain.py --freeze, docs/benchmarks.md). Solo pool: ``worker_ready``; prefork
    children: ``worker_process_init``.
    """
    gc.freeze()
