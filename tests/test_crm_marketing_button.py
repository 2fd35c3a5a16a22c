"""发起任务: the article's "marketing task" button opens the marketing-task form pre-filled with it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.articles.services import article_create
from crm.models import MarketingTask
from trackers.models import TargetKind

ADD = "/admin/snippets/crm/marketingtask/add/"


@pytest.fixture
def article_a(enterprise_a):
    return article_create(enterprise=enterprise_a, title="Spring launch", publish=True)


def test_article_edit_page_shows_the_button_to_admins(login, admin_a, article_a):
    html = login(admin_a).get(reverse("wagtailadmin_pages:edit", args=[article_a.pk])).content.decode()
    assert f"{ADD}?article={article_a.pk}" in html


def test_listing_more_buttons_offer_it_too(admin_a, article_a):
    from crm.wagtail_hooks import article_marketing_task_listing_button

    buttons = article_marketing_task_listing_button(article_a, admin_a)
    assert [b.url for b in buttons] == [f"{ADD}?article={article_a.pk}"]


def test_no_button_for_salespeople_other_enterprises_or_other_pages(
    admin_b, salesperson_a, article_a, enterprise_a
):
    from crm.wagtail_hooks import article_marketing_task_listing_button

    assert article_marketing_task_listing_button(article_a, salesperson_a.user) == []
    assert article_marketing_task_listing_button(article_a, admin_b) == []
    assert article_marketing_task_listing_button(enterprise_a.site.root_page, admin_b) == []


def test_create_form_is_prefilled_and_saves_the_task(login, admin_a, article_a):
    client = login(admin_a)
    response = client.get(ADD, {"article": article_a.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == "Share: Spring launch"
    assert (form.initial["target_kind"], form.initial["target_id"]) == (TargetKind.ARTICLE, article_a.pk)
    data = {
        "title": "Share: Spring launch",
        "target_kind": TargetKind.ARTICLE,
        "target_id": article_a.pk,
        "starts_at": "2030-01-01 09:00",
        "deadline": "2030-01-08 09:00",
        "target_shares": 3,
        "target_views": 10,
        "target_new_leads": 1,
    }
    assert client.post(ADD, data).status_code == 302
    task = MarketingTask.objects.get()
    assert (task.enterprise, task.target_id, task.target_shares) == (article_a.enterprise, article_a.pk, 3)


def test_another_enterprises_article_is_neither_prefilled_nor_accepted(login, admin_b, article_a):
    client = login(admin_b)
    form = client.get(ADD, {"article": article_a.pk}).context["form"]
    assert form.initial.get("target_id") in (None, "")
    response = client.post(
        ADD,
        {
            "title": "steal",
            "target_kind": TargetKind.ARTICLE,
            "target_id": article_a.pk,
            "starts_at": "2030-01-01 09:00",
            "deadline": "2030-01-08 09:00",
            "target_shares": 1,
            "target_views": 1,
            "target_new_leads": 0,
        },
    )
    assert response.status_code == 200 and "target_id" in response.context["form"].errors
    assert not MarketingTask.objects.exists()


def test_deadline_before_start_is_a_field_error(login, admin_a, article_a):
    response = login(admin_a).post(
        ADD,
        {
            "title": "t",
            "target_kind": TargetKind.ARTICLE,
            "target_id": article_a.pk,
            "starts_at": "2030-01-08 09:00",
            "deadline": "2030-01-01 09:00",
            "target_shares": 1,
            "target_views": 1,
            "target_new_leads": 0,
        },
    )
    assert response.status_code == 200 and "deadline" in response.context["form"].errors
