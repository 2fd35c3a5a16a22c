"""Admin views: WeChat import with progress, copying a hot article, syncing a salesperson's article."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enterprises.selectors import enterprise_for_user, scope_for_user

from . import services
from .models import ArticleImport, ArticlePage, ImportStatus, Library
from .selectors import articles_visible_to


class ImportForm(forms.Form):
    url = forms.URLField(
        label=_("WeChat article address"),
        max_length=1000,
        assume_scheme="https",
        help_text=_("For example https://mp.weixin.qq.com/s/…"),
        widget=forms.URLInput(attrs={"placeholder": "https://mp.weixin.qq.com/s/..."}),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Only http:// and https:// addresses can be imported."))
        return url


def _imports_for(request):
    scope = scope_for_user(request.user)
    jobs = ArticleImport.objects.select_related("article")
    if scope.is_platform:
        return jobs
    jobs = jobs.filter(enterprise_id=scope.enterprise_id)
    if not scope.sees_whole_enterprise:
        jobs = jobs.filter(requested_by=request.user)
    return jobs


def article_import(request):
    """GET: the form and recent imports (auto-refreshing while one runs); POST: start an import."""
    enterprise = enterprise_for_user(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = ImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            job = services.article_import_request(
                enterprise=enterprise, user=request.user, url=form.cleaned_data["url"]
            )
        messages.info(request, _("Import started; this page refreshes until it is done."))
        return redirect(f"{reverse('articles_import')}?job={job.pk}")
    jobs = list(_imports_for(request)[:20])
    running = any(job.status in (ImportStatus.PENDING, ImportStatus.RUNNING) for job in jobs)
    return TemplateResponse(request, "articles/import.html", {"form": form, "jobs": jobs, "running": running})


def _confirm(request, *, title: str, text: str, action: str):
    return TemplateResponse(
        request, "articles/confirm.html", {"title": title, "text": text, "action": action}
    )


def article_copy_hot(request, pk: int):
    """ART-1: copy a platform hot article into my enterprise's library (salespeople: into their own)."""
    enterprise = enterprise_for_user(request.user)
    if enterprise is None:
        raise PermissionDenied
    article = get_object_or_404(ArticlePage.objects.live().filter(library=Library.PLATFORM), pk=pk)
    if request.method != "POST":
        return _confirm(
            request,
            title="Copy hot article",
            text=f"Copy “{article.title}” into your library?",
            action=request.path,
        )
    copy = services.article_copy_hot(article=article, enterprise=enterprise, user=request.user)
    messages.success(request, f"“{copy.title}” was copied into your library as a draft.")
    return redirect("wagtailadmin_pages:edit", copy.pk)


def article_sync(request, pk: int):
    """ART-1: a salesperson copies their own article into the enterprise library."""
    salesperson = getattr(request.user, "salesperson", None)
    if salesperson is None:
        raise PermissionDenied
    article = get_object_or_404(articles_visible_to(scope_for_user(request.user)), pk=pk)
    if request.method != "POST":
        return _confirm(
            request,
            title="Sync to enterprise library",
            text=f"Offer “{article.title}” to the enterprise library?",
            action=request.path,
        )
    try:
        copy = services.article_sync_to_enterprise(
            article=article, salesperson=salesperson, user=request.user
        )
    except PermissionDenied:
        messages.error(request, _("You can only sync your own articles."))
        return redirect("articles_library:index")
    messages.success(request, f"“{copy.title}” is now in the enterprise library as a draft.")
    return redirect("articles_library:index")
