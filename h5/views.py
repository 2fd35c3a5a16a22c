"""H5 visitor pages: a share link opens a static JS page fed by the shared GraphQL operations."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from enterprises.models import Enterprise
from trackers.share import ShareTokenInvalid, share_token_verify

OPERATIONS_DIR = Path(settings.BASE_DIR) / "graphql" / "operations"
# Which client document a share kind is rendered from (poster: server side, no GraphQL type).
KIND_OPERATIONS = {
    "article": "H5Article",
    "card": "Card",
    "form": "Form",
    "page": "Microsite",
    "product": "Product",
    "file": "File",
}
# Every document app.js may send; the exact file text, so persisted-only servers accept it.
APP_OPERATIONS = (
    "Microsite",
    "MicrositePage",
    "H5Article",
    "Card",
    "LikeCardTag",
    "Form",
    "SubmitForm",
    "Product",
    "File",
    "ForwardShare",
    "VisitorSession",
)


@lru_cache(maxsize=32)
def _operation(name: str) -> str:
    """The exact text of a client operation, so persisted-only servers still accept it."""
    return (OPERATIONS_DIR / f"{name}.graphql").read_text()


def share_open(request: HttpRequest, token: str) -> HttpResponse:
    """Verify the share token and render the H5 shell; a bad token gets a plain 404 page."""
    try:
        context = share_token_verify(token)
    except ShareTokenInvalid:
        return render(request, "h5/not_found.html", status=404)
    enterprise = Enterprise.objects.filter(pk=context.enterprise_id, is_active=True).first()
    if enterprise is None:
        return render(request, "h5/not_found.html", status=404)
    kind, target_id, content_token = context.kind, context.target_id, token
    if context.kind == "poster":
        # POST-3: a poster's QR code opens what it advertises; events keep the poster token, so the
        # visit is credited to the poster (its scans, acquisitions) and its salesperson.
        target = _poster_target(context)
        if target is None:
            return render(request, "h5/not_found.html", status=404)
        kind, target_id, content_token = target
    operation = KIND_OPERATIONS.get(kind)
    config = {
        "token": token,
        "contentToken": content_token,
        "kind": kind,
        "id": str(target_id),
        "enterpriseKey": enterprise.public_key,
        "graphqlUrl": "/graphql/",
        "trackUrl": "/t/",
        "document": _operation(operation) if operation else "",
        "documents": {name: _operation(name) for name in APP_OPERATIONS},
    }
    return render(request, "h5/app.html", {"config": config, "enterprise": enterprise})


def _poster_target(context) -> tuple[str, int, str] | None:
    """(kind, id, share token) of what a poster advertises, within the poster token's enterprise."""
    from cms.posters.models import GeneratedPoster
    from cms.posters.services import poster_target_token

    poster = GeneratedPoster.objects.filter(pk=context.target_id, enterprise_id=context.enterprise_id).first()
    if poster is None or poster.target_kind not in KIND_OPERATIONS:
        return None
    return poster.target_kind, poster.target_id, poster_target_token(poster)
