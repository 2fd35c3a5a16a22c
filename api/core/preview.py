"""The page-model side of editor preview: Wagtail's "Preview" shows the draft in the H5 client.

Page models that mix this in answer Wagtail's preview (``serve_preview``) with a redirect to
``/h5/preview/<signed token>/``; the token carries the editor's unsaved draft (stored as a
snapshot) and is bound to the page and its enterprise for at most an hour (api/preview.py).
Imports are lazy: page models import this module while the app registry is loading.
"""

from __future__ import annotations


class ClientPreviewMixin:
    """Wagtail's editor preview opens the H5 client on the draft being edited (contract 2)."""

    def serve_preview(self, request, mode_name):
        from api.preview import preview_client_redirect

        return preview_client_redirect(request=request, page=self)
