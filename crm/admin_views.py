"""Admin screens outside the snippet viewsets: lead import (upload, mapping, progress)."""

from __future__ import annotations

import os

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from enterprises.selectors import enterprise_for_user, scope_for_user

from . import selectors
from .models import ImportJob
from .services import IMPORT_FIELDS

MAX_IMPORT_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(help_text=_("CSV (UTF-8) or XLSX, first row is the header."))
    name = forms.CharField(required=False, help_text=_("Column header for the name (default: name)"))
    phone = forms.CharField(required=False, help_text=_("Column header for the phone (default: phone)"))
    unionid = forms.CharField(required=False)
    company = forms.CharField(required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


def _admin_enterprise(request):
    scope = scope_for_user(request.user)
    enterprise = enterprise_for_user(request.user)
    if enterprise is None or not scope.sees_whole_enterprise:
        raise PermissionDenied
    return enterprise


def lead_import_view(request):
    """Upload a file; the import runs in Celery and this page shows its status row."""
    enterprise = _admin_enterprise(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        mapping = {f: form.cleaned_data.get(f, "") for f in IMPORT_FIELDS if form.cleaned_data.get(f)}
        job = ImportJob.objects.create(
            enterprise=enterprise,
            created_by=request.user,
            file=form.cleaned_data["file"],
            mapping=mapping,
            original_name=os.path.basename(form.cleaned_data["file"].name)[:255],
        )
        from .tasks import import_job_run

        transaction.on_commit(lambda: import_job_run.delay(job.pk))
        return redirect("crm_import_status", job_id=job.pk)
    jobs = ImportJob.objects.filter(enterprise=enterprise).order_by("-pk")[:10]
    return render(request, "crm/import.html", {"form": form, "jobs": jobs})


def _job_or_404(request, job_id: int) -> ImportJob:
    enterprise = _admin_enterprise(request)
    job = ImportJob.objects.filter(enterprise=enterprise, pk=job_id).first()
    if job is None:
        raise Http404
    return job


def lead_import_status_view(request, job_id: int):
    job = _job_or_404(request, job_id)
    progress = selectors.import_progress(job=job)
    return render(request, "crm/import.html", {"job": job, "progress": progress, "form": None, "jobs": []})


def lead_import_file_view(request, job_id: int) -> FileResponse:
    """The uploaded file, to its enterprise's admins only (private storage: no public URL)."""
    job = _job_or_404(request, job_id)
    try:
        handle = job.file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    name = job.original_name or os.path.basename(job.file.name)
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def lead_import_progress_view(request, job_id: int):
    """JSON polled by the status page while the import runs (counts live from the cache)."""
    return JsonResponse(selectors.import_progress(job=_job_or_404(request, job_id)))


def lead_assign_view(request):
    """Assign unowned leads of the pool by hand (one salesperson), round-robin or least-busy."""
    from django.contrib import messages

    from . import services
    from .models import Lead

    enterprise = _admin_enterprise(request)
    pool = Lead.objects.filter(enterprise=enterprise, salesperson__isnull=True).order_by("pk")
    salespeople = enterprise.salespeople.filter(is_active=True).order_by("pk")
    if request.method == "POST":
        lead_ids = [int(x) for x in request.POST.getlist("lead") if x.isdigit()]
        people_ids = [int(x) for x in request.POST.getlist("salesperson") if x.isdigit()]
        leads = list(pool.filter(pk__in=lead_ids))
        people = list(salespeople.filter(pk__in=people_ids))
        method = request.POST.get("method", "round_robin")
        if not leads or not people:
            messages.error(request, _("Choose leads and at least one salesperson."))
        elif method == "least_busy":
            services.leads_assign_least_busy(leads=leads, salespeople=people)
            messages.success(request, f"{len(leads)} leads assigned to the least busy.")
        else:
            services.leads_assign_round_robin(leads=leads, salespeople=people)
            messages.success(request, f"{len(leads)} leads assigned in turn.")
        return redirect("crm_assign")
    return render(request, "crm/assign.html", {"leads": pool[:500], "salespeople": salespeople})


def tag_rules_apply_view(request):
    """Admins: apply the enterprise's automatic tag rules to every lead now (Celery, after commit)."""
    from django.contrib import messages

    from .tasks import tag_rules_apply_enterprise

    enterprise = _admin_enterprise(request)
    if request.method == "POST":
        transaction.on_commit(lambda: tag_rules_apply_enterprise.delay(enterprise.pk))
        messages.success(request, _("Tag rules are being applied to every lead."))
        return redirect("wagtailsnippets_crm_tagrule:list")
    return render(request, "crm/tag_rules_apply.html", {})
