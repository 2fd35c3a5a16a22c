"""The one definition of each tracking figure the product shows (glossary: docs/tracking.md).

Every screen, export, notification and GraphQL field that shows one of these figures reaches it
through the function named here, directly (derived totals, selectors) or through a table these
functions fill (the rollups). Nothing else re-derives a figure from raw events.

- **visitor**: a distinct :class:`~trackers.models.Visitor` row that was not merged away
  (``merged_into`` is empty); an anonymous device merged into a known person counts once.
- **read seconds**: the ``seconds`` of heartbeat events only (:func:`event_read_seconds`,
  :func:`read_seconds_sum`). An ``open`` or ``leave`` that carries seconds adds nothing.
- **click**: a ``click`` event, i.e. a tap on tracked content. Controls that send their own
  event (forward → ``share``, submit → ``form_submit``, like → ``like``, consult → ``phone_auth``
  or nothing) are not also clicks: the H5 tracker does not send a click for them.
- **forward**: a ``share`` event.
- **precise user**: :func:`is_precise`, clicks and read seconds both at the enterprise minimum.
- **new lead in a window / lead**: the CRM lead pool's definition,
  ``crm.selectors.lead_new_counts`` (a ``Lead`` created in the window, counted for the salesperson
  it is attributed to); the data center calls :func:`new_lead_counts`, which asks the CRM.
- **poster scan**: an ``open`` whose target is a poster (a poster's QR code carries a poster share
  token); **acquisition**: a visitor whose first attributed visit entered through a poster.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum

from .hooks import NEW_LEAD_COUNTERS
from .models import EventType

#: The only event type whose seconds are read time.
READ_SECONDS_TYPE = EventType.HEARTBEAT


def event_read_seconds(type_code: int, seconds: int) -> int:
    """Read seconds an event contributes: its seconds when it is a heartbeat, else 0."""
    return seconds if type_code == READ_SECONDS_TYPE else 0


def read_seconds_sum() -> Sum:
    """The same rule as an ORM aggregate over events."""
    return Sum("seconds", filter=Q(type=READ_SECONDS_TYPE), default=0)


def is_precise(*, clicks: int, read_seconds: int, rules) -> bool:
    """ART-10: a precise user has at least the enterprise's minimum clicks and read seconds."""
    return clicks >= rules.precise_min_clicks and read_seconds >= rules.precise_min_read_seconds


def new_lead_counts(*, scope, since: dt.datetime) -> dict[int, int]:
    """New leads per salesperson id since ``since`` as the CRM lead pool counts them.

    The CRM registers its counter in ``hooks.NEW_LEAD_COUNTERS`` (tracking does not import the CRM);
    without one there are no leads.
    """
    counts: dict[int, int] = {}
    for counter in NEW_LEAD_COUNTERS:
        for salesperson_id, n in counter(scope=scope, since=since).items():
            counts[salesperson_id] = counts.get(salesperson_id, 0) + n
    return counts
