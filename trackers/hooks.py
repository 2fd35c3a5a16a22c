"""Hook lists other apps append to (the CRM builds leads from them); called after commit.

Each hook is ``callable(**kwargs)``; tracking never imports its consumers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

#: ``hook(visitor=Visitor, created=bool)`` when a visitor becomes identified (unionid/openid/phone).
VISITOR_IDENTIFIED_HOOKS: list[Callable] = []
#: ``hook(merge=VisitorMerge)`` after an anonymous visitor is merged into an identified one.
VISITOR_MERGED_HOOKS: list[Callable] = []
#: ``hook(enterprise_id, visitor_id, salesperson_id, form_id, occurred_at)`` for each new form_submit event.
FORM_SUBMITTED_HOOKS: list[Callable] = []
#: ``hook(enterprise_id, visitor_id, names)`` when reading tagged content tagged a visitor (ART-9).
VISITOR_TAGGED_HOOKS: list[Callable] = []
#: ``counter(scope=Scope, since=datetime) -> {salesperson_id: n}``: the CRM's "new leads in a window"
#: (the data center reads the CRM's definition instead of keeping its own; trackers.figures).
NEW_LEAD_COUNTERS: list[Callable] = []


def hooks_run(hooks: list[Callable], **kwargs) -> None:
    """Run every hook; one failing consumer must not stop tracking or the others."""
    for hook in list(hooks):
        try:
            hook(**kwargs)
        except Exception:  # noqa: BLE001 - consumers are isolated from each other
            logger.exception("tracking hook %r failed", hook)
