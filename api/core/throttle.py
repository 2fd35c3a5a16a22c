"""Public GraphQL writes over their limit answer the stable code ``LIMIT`` (issue 18, hole 6).

The counting lives in ``enterprises.throttle``; this is only how the API says no.
"""

from __future__ import annotations

from django.utils.translation import gettext

from enterprises.client_address import client_address
from enterprises.throttle import Limited, public_write_check

from .errors import LIMIT, api_error


def throttle(info, action: str, *, device: str = "") -> None:
    """Count this public write (``device``: who writes, see ``public_write_check``); LIMIT when over."""
    try:
        public_write_check(action, client=client_address(info.context), device=device)
    except Limited as limited:
        raise api_error(
            gettext("Too many requests. Please try again in %(seconds)d seconds.")
            % {"seconds": limited.retry_after},
            LIMIT,
            retryAfter=limited.retry_after,
        ) from None
