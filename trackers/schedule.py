"""Queue a Celery task by name, so the pipeline never imports ``trackers.tasks``.

``tasks.py`` imports the pipeline (ingest, derived, services, notifications); the pipeline only
names the tasks it schedules here. That keeps the import graph one-way (no module imports
``tasks.py`` except Celery's autodiscovery).
"""

from __future__ import annotations

EVENTS_DRAIN = "trackers.tasks.events_drain"
NOTIFICATION_DISPATCH = "trackers.tasks.notification_dispatch_task"
BROWSE_SESSION_SUMMARIZE = "trackers.tasks.browse_session_summarize_task"


def task_delay(name: str, *args, **kwargs):
    """``delay()`` the registered task ``name`` (eager when Celery runs eagerly)."""
    from cms.celery import app

    task = app.tasks.get(name)
    if task is None:  # task modules are registered by Celery's autodiscovery, on first need
        app.loader.import_default_modules()
        task = app.tasks[name]
    return task.delay(*args, **kwargs)
