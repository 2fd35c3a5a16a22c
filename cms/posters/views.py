"""Admin view: a salesperson makes a poster of their card, a product or a page (template or own image)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBadRequest
from wagtail.images import get_image_model
from wagtail.models import Page

from cms.cards.models import Card
from cms.products.models import Product
from enterprises.viewsets import get_scoped_object_or_404

from .models import PosterTemplate
from .services import PosterError, poster_compose, poster_template_usable


def poster_generate(request):
    salesperson = getattr(request.user, "salesperson", None)
    if salesperson is None:
        raise PermissionDenied
    if request.GET.get("page"):
        # an article, lead form or microsite page of the salesperson's own site
        root = salesperson.enterprise.site.root_page
        target = get_scoped_object_or_404(
            Page.objects.live().filter(path__startswith=root.path), pk=request.GET["page"]
        ).specific
    elif request.GET.get("product"):
        target = get_scoped_object_or_404(
            Product.objects.filter(enterprise_id=salesperson.enterprise_id), pk=request.GET["product"]
        )
    else:
        target = get_scoped_object_or_404(Card.objects.all(), salesperson=salesperson)
    template = image = None
    if request.GET.get("template"):
        template = get_scoped_object_or_404(PosterTemplate.objects.all(), pk=request.GET["template"])
        if not poster_template_usable(template, salesperson):
            raise PermissionDenied
    elif request.GET.get("image"):
        image = get_scoped_object_or_404(
            get_image_model().objects.filter(collection_id=salesperson.enterprise.collection_id),
            pk=request.GET["image"],
        )
    try:
        poster = poster_compose(salesperson=salesperson, target=target, template=template, source_image=image)
    except PosterError as error:
        return HttpResponseBadRequest(error.message)
    return FileResponse(poster.image.open("rb"), content_type="image/png")
