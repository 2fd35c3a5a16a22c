"""WeCom chat sidebar (WX-3): OAuth identity against the fake server, contact visibility, the H5 pages.

Matrix: the salesperson sees their own contact; a colleague's contact is 404 unless the viewer manages
the colleague's department; another enterprise's contact (even with the same external id and
unionid) is never shown; forged and stale cookies get a 403 page with no data.
"""

from __future__ import annotations

import pytest
from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cms.articles.services import article_create
from cms.files.models import SalesFile
from cms.scripts.models import SalesScript
from crm.models import FollowUp, Lead, Pool, Tag
from enterprises import services as enterprise_services
from enterprises.models import Department
from tests.factories import make_document, make_salesperson
from tests.tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401
from tests.wechat_factories import link_salesperson, make_account
from trackers.services import visitor_identify, visitor_token
from trackers.share import share_token_verify
from wechat import sidebar
from wechat.models import ExternalContact
from wechat.sidebar import SidebarRefused, sidebar_contact, sidebar_login, sidebar_session

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_redis")]
NOW = timezone.now()


@pytest.fixture
def world(fake, client, enterprise_a, enterprise_b, salesperson_a, other_salesperson_a, salesperson_b):
    """A's salesperson 'zhang' with contact wm1 (a customer who read an article), a colleague's wm2,
    and enterprise B with the same external id and unionid (its own lead, marked B-SECRET)."""
    account = make_account(enterprise_a, fake)
    account_b = make_account(enterprise_b, fake)
    link_salesperson(salesperson_a, "zhang")
    link_salesperson(other_salesperson_a, "li")
    link_salesperson(salesperson_b, "zhang")  # same WeCom userid in another corp
    visitor = visitor_identify(enterprise=enterprise_a, unionid="U1", nickname="Wang Wu")
    post_batch(
        client,
        token_for(salesperson_a, "article", 41),
        [event("open"), event("heartbeat", seconds=7)],
        visitor=visitor_token(visitor),
    )
    contact = ExternalContact.objects.create
    mine = contact(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        external_userid="wm1",
        name="Wang Wu",
        unionid="U1",
        visitor=visitor,
        added_at=NOW,
    )
    contact(
        enterprise=enterprise_a,
        salesperson=other_salesperson_a,
        external_userid="wm2",
        unionid="U2",
        name="Colleague Customer",
        added_at=NOW,
    )
    contact(
        enterprise=enterprise_b,
        salesperson=salesperson_b,
        external_userid="wm1",
        unionid="U1",
        name="B Contact",
        added_at=NOW,
    )
    # The identified visitor already became a pool lead (CRM-1); the salesperson now follows it.
    lead, _created = Lead.objects.update_or_create(
        enterprise=enterprise_a,
        unionid="U1",
        defaults=dict(
            salesperson=salesperson_a,
            visitor=visitor,
            name="Wang Wu",
            phone="13811112222",
            company="Acme A",
            pool=Pool.FOLLOWING,
            is_customer=True,
        ),
    )
    Lead.objects.create(
        enterprise=enterprise_a,
        salesperson=other_salesperson_a,
        unionid="U2",
        name="Colleague Lead",
        company="COLLEAGUE-SECRET",
    )
    Lead.objects.create(
        enterprise=enterprise_b, salesperson=salesperson_b, unionid="U1", name="B Lead", company="B-SECRET"
    )
    FollowUp.objects.create(
        enterprise=enterprise_a, lead=lead, salesperson=salesperson_a, content="Called once"
    )
    return {"account": account, "account_b": account_b, "mine": mine, "lead": lead}


def sign_in(client, fake, enterprise, userid, **query):
    code = fake.state.issue_oauth_code(userid)
    url = reverse("wechat:sidebar_entry", args=[enterprise.public_key])
    return client.get(url, {"code": code, **query})


def contact_url(external_userid):
    return reverse("wechat:sidebar_contact", args=[external_userid])


# ---- identity ---------------------------------------------------------------------------------


def test_own_contact_is_resolved_others_are_404(fake, world):
    token = sidebar_login(account=world["account"], code=fake.state.issue_oauth_code("zhang"))
    session = sidebar_session(token)
    assert sidebar_contact(session=session, external_userid="wm1") == world["mine"]
    for other in ("wm2", "nope"):
        with pytest.raises(Http404):
            sidebar_contact(session=session, external_userid=other)


def test_forged_identities_are_refused(fake, world):
    with pytest.raises(SidebarRefused):
        sidebar_login(account=world["account"], code="forged")
    with pytest.raises(SidebarRefused):  # a WeCom member who is no salesperson here
        sidebar_login(account=world["account"], code=fake.state.issue_oauth_code("stranger"))
    token = sidebar_login(account=world["account"], code=fake.state.issue_oauth_code("zhang"))
    with pytest.raises(SidebarRefused):
        sidebar_session(token[:-2] + "xx")


def test_oauth_login_sets_a_cookie_and_opens_the_chats_contact(client, fake, world, enterprise_a):
    # when WeCom redirects with a code and the JS-SDK's contact id
    response = sign_in(client, fake, enterprise_a, "zhang", external_userid="wm1")
    # then the browser holds a signed session and lands on the contact
    assert response.status_code == 302 and sidebar.COOKIE in response.cookies
    assert response.cookies[sidebar.COOKIE]["httponly"]
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == contact_url("wm1")
    html = response.content.decode()
    assert "Acme A" in html and "13811112222" in html and "Called once" in html


def test_entry_without_code_redirects_to_wecom_oauth(client, world, enterprise_a):
    response = client.get(reverse("wechat:sidebar_entry", args=[enterprise_a.public_key]))
    assert response.status_code == 302
    assert response["Location"].startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert world["account"].corp_id in response["Location"]


@pytest.mark.parametrize(
    "cookie",
    [
        "",  # never signed in
        "garbage",
        "forged-by-hand",
    ],
)
def test_missing_or_forged_cookie_gets_403_and_no_data(client, world, cookie):
    if cookie:
        client.cookies[sidebar.COOKIE] = cookie
    for url in (contact_url("wm1"), reverse("wechat:sidebar_home"), reverse("wechat:sidebar_library")):
        response = client.get(url)
        assert response.status_code == 403
        assert b"Acme A" not in response.content and b"Wang Wu" not in response.content


def test_a_token_signed_for_another_salesperson_with_a_wrong_key_is_refused(client, world, salesperson_a):
    forged = signing.dumps(
        {"e": salesperson_a.enterprise_id, "s": salesperson_a.pk}, salt=sidebar.SALT, key="not-the-secret-key"
    )
    client.cookies[sidebar.COOKIE] = forged
    assert client.get(contact_url("wm1")).status_code == 403


def test_stale_cookie_is_refused(client, fake, world, enterprise_a, monkeypatch):
    sign_in(client, fake, enterprise_a, "zhang")
    monkeypatch.setattr(sidebar, "MAX_AGE", -1)
    assert client.get(contact_url("wm1")).status_code == 403


def test_a_failed_code_exchange_gets_403(client, world, enterprise_a):
    url = reverse("wechat:sidebar_entry", args=[enterprise_a.public_key])
    response = client.get(url, {"code": "forged"})
    assert response.status_code == 403
    assert not response.cookies.get(sidebar.COOKIE) or not response.cookies[sidebar.COOKIE].value
    assert not client.cookies.get(sidebar.COOKIE) or not client.cookies[sidebar.COOKIE].value


def test_salesperson_who_left_is_refused(client, fake, world, enterprise_a, salesperson_a):
    sign_in(client, fake, enterprise_a, "zhang")
    salesperson_a.is_active = False
    salesperson_a.save()
    assert client.get(contact_url("wm1")).status_code == 403


# ---- tenancy of the pages -----------------------------------------------------------------------


def test_sidebar_shows_only_the_contacts_own_enterprise_data(client, fake, world, enterprise_a):
    sign_in(client, fake, enterprise_a, "zhang")
    html = client.get(contact_url("wm1")).content.decode()
    assert "Acme A" in html
    assert "B-SECRET" not in html and "B Contact" not in html and "B Lead" not in html


def test_enterprise_b_salesperson_sees_b_data_only(client, fake, world, enterprise_b):
    # same WeCom userid "zhang" and same external id in B's corp
    sign_in(client, fake, enterprise_b, "zhang")
    html = client.get(contact_url("wm1")).content.decode()
    assert "B-SECRET" in html and "Acme A" not in html and "Called once" not in html


def test_colleagues_contact_is_404_and_list_shows_own_only(client, fake, world, enterprise_a):
    sign_in(client, fake, enterprise_a, "zhang")
    response = client.get(contact_url("wm2"))
    assert response.status_code == 404 and b"COLLEAGUE-SECRET" not in response.content
    html = client.get(reverse("wechat:sidebar_home")).content.decode()
    assert "Wang Wu" in html and "Colleague Customer" not in html


def test_a_department_manager_sees_their_salespeoples_contacts(
    client, fake, world, enterprise_a, salesperson_a, other_salesperson_a
):
    # given other_salesperson_a in a department managed by salesperson_a
    root = Department.get_root_nodes().get(enterprise=enterprise_a)
    team = enterprise_services.department_create(enterprise=enterprise_a, name="Team", parent=root)
    other_salesperson_a.department = team
    other_salesperson_a.save()
    team.managers.add(salesperson_a.user)
    sign_in(client, fake, enterprise_a, "zhang")
    # then the colleague's contact and lead are visible, B's still not
    html = client.get(contact_url("wm2")).content.decode()
    assert "COLLEAGUE-SECRET" in html and "B-SECRET" not in html
    # but the colleague (not a manager) still cannot see the manager's contact
    client.cookies.clear()
    sign_in(client, fake, enterprise_a, "li")
    assert client.get(contact_url("wm1")).status_code == 404


def test_contact_whose_lead_a_colleague_keeps_shows_no_lead_data(
    client, fake, world, enterprise_a, salesperson_a, other_salesperson_a
):
    ExternalContact.objects.create(
        enterprise=enterprise_a, salesperson=salesperson_a, external_userid="wm9", unionid="U2", added_at=NOW
    )
    sign_in(client, fake, enterprise_a, "zhang")
    response = client.get(contact_url("wm9"))
    assert response.status_code == 200
    assert b"COLLEAGUE-SECRET" not in response.content and b"kept by a colleague" in response.content


# ---- writes: tags, follow-ups, lead ------------------------------------------------------------


def test_tags_are_added_and_removed_and_foreign_tags_ignored(client, fake, world, enterprise_a, enterprise_b):
    hot = Tag.objects.create(enterprise=enterprise_a, name="Hot")
    foreign = Tag.objects.create(enterprise=enterprise_b, name="Foreign")
    sign_in(client, fake, enterprise_a, "zhang")
    url = contact_url("wm1")
    assert client.post(url, {"action": "tags", "add": [hot.pk, foreign.pk]}).status_code == 302
    assert list(world["lead"].tags.all()) == [hot]
    client.post(url, {"action": "tags", "remove": [hot.pk]})
    assert not world["lead"].tags.exists()


def test_followup_is_added_and_bad_input_shows_field_errors(client, fake, world, enterprise_a, salesperson_a):
    sign_in(client, fake, enterprise_a, "zhang")
    url = contact_url("wm1")
    posted = {"action": "followup", "content": "Sent the price list", "status": "interested"}
    response = client.post(url, posted)
    assert response.status_code == 302
    followup = FollowUp.objects.get(content="Sent the price list")
    assert followup.lead == world["lead"] and followup.salesperson == salesperson_a
    before = FollowUp.objects.count()
    response = client.post(url, {"action": "followup", "content": "  ", "status": "interested"})
    assert response.status_code == 400 and response.context["errors"].keys() == {"content"}
    response = client.post(url, {"action": "followup", "content": "x", "next_at": "tomorrow-ish"})
    assert response.status_code == 400 and "next_at" in response.context["errors"]
    assert FollowUp.objects.count() == before


def test_colleagues_lead_cannot_be_written(client, fake, world, enterprise_a):
    sign_in(client, fake, enterprise_a, "zhang")
    before = FollowUp.objects.count()
    response = client.post(contact_url("wm2"), {"action": "followup", "content": "sneaky"})
    assert response.status_code == 404 and FollowUp.objects.count() == before


def test_contact_without_a_lead_can_start_one(client, fake, world, enterprise_a, salesperson_a):
    ExternalContact.objects.create(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        external_userid="wm5",
        name="New Person",
        unionid="U5",
        added_at=NOW,
    )
    sign_in(client, fake, enterprise_a, "zhang")
    assert b"Create customer record" in client.get(contact_url("wm5")).content
    assert client.post(contact_url("wm5"), {"action": "lead"}).status_code == 302
    lead = Lead.objects.get(enterprise=enterprise_a, unionid="U5")
    assert lead.salesperson == salesperson_a and lead.source == "wecom"


def test_timeline_shows_the_visitors_actions(client, fake, world, enterprise_a):
    sign_in(client, fake, enterprise_a, "zhang")
    response = client.get(contact_url("wm1"))
    timeline = response.context["timeline"]
    assert len(timeline) == 2 and {entry.seconds for entry in timeline} == {0, 7}


# ---- material library ---------------------------------------------------------------------------


@pytest.fixture
def library(world, enterprise_a, enterprise_b, salesperson_a, other_salesperson_a):
    script = SalesScript.objects.create
    return {
        "shared": script(enterprise=enterprise_a, title="Opening line", text="Hello from Acme"),
        "mine": script(enterprise=enterprise_a, owner=salesperson_a, title="My pricing", text="Our price is"),
        "colleague": script(enterprise=enterprise_a, owner=other_salesperson_a, title="Their secret script"),
        "foreign": script(enterprise=enterprise_b, title="B script", text="B-only"),
        "article": article_create(
            enterprise=enterprise_a, title="Why Acme", summary="Five reasons", publish=True
        ),
        "foreign_article": article_create(enterprise=enterprise_b, title="B article", publish=True),
        "file": SalesFile.objects.create(
            enterprise=enterprise_a, title="Brochure", document=make_document(enterprise_a, "brochure")
        ),
        "foreign_file": SalesFile.objects.create(
            enterprise=enterprise_b, title="B brochure", document=make_document(enterprise_b, "b")
        ),
    }


def test_scripts_library_lists_enterprise_and_own_scripts_and_searches(client, fake, library, enterprise_a):
    sign_in(client, fake, enterprise_a, "zhang")
    url = reverse("wechat:sidebar_library")
    titles = {script.title for script in client.get(url).context["items"]}
    assert titles == {"Opening line", "My pricing"}
    found = client.get(url, {"q": "price"}).context["items"]
    assert [script.title for script in found] == ["My pricing"]


def test_sending_a_script_counts_its_use(client, fake, library, enterprise_a):
    sign_in(client, fake, enterprise_a, "zhang")
    script = library["shared"]
    url = reverse("wechat:sidebar_script_use", args=[script.pk])
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["use_count"] == 1
    assert client.post(url).status_code == 302  # the no-JS form
    script.refresh_from_db()
    assert script.use_count == 2


@pytest.mark.parametrize("which", ["colleague", "foreign"])
def test_scripts_out_of_reach_are_404_and_not_counted(client, fake, library, enterprise_a, which):
    sign_in(client, fake, enterprise_a, "zhang")
    script = library[which]
    assert client.post(reverse("wechat:sidebar_script_use", args=[script.pk])).status_code == 404
    script.refresh_from_db()
    assert script.use_count == 0


def test_script_use_needs_a_signed_session(client, library):
    script = library["shared"]
    assert client.post(reverse("wechat:sidebar_script_use", args=[script.pk])).status_code == 403
    script.refresh_from_db()
    assert script.use_count == 0


@pytest.mark.parametrize(
    "tab,title,foreign", [("articles", "Why Acme", "B article"), ("files", "Brochure", "B brochure")]
)
def test_article_and_file_links_carry_the_salespersons_share_token(
    client, fake, library, enterprise_a, salesperson_a, tab, title, foreign
):
    sign_in(client, fake, enterprise_a, "zhang")
    response = client.get(reverse("wechat:sidebar_library"), {"tab": tab})
    [item] = response.context["items"]
    assert item.title == title and foreign not in response.content.decode()
    token = item.url.rstrip("/").rsplit("/", 1)[-1]
    context = share_token_verify(token)
    assert (context.enterprise_id, context.salesperson_id, context.target_id) == (
        enterprise_a.pk,
        salesperson_a.pk,
        item.pk,
    )
    assert item.url in response.content.decode()


def test_a_new_salesperson_without_wecom_link_cannot_sign_in(client, fake, world, enterprise_a):
    make_salesperson(enterprise_a)
    response = sign_in(client, fake, enterprise_a, "unlinked")
    assert response.status_code == 403


# ---- JS-SDK configuration -----------------------------------------------------------------------


def test_pages_carry_a_jssdk_signature_made_with_the_fakes_tickets(client, fake, world, enterprise_a):
    import hashlib
    import json

    sign_in(client, fake, enterprise_a, "zhang")
    response = client.get(reverse("wechat:sidebar_home"))
    config = response.context["jssdk"]
    owner = f"corp:{world['account'].corp_id}"
    url = "http://testserver" + reverse("wechat:sidebar_home")
    for key, kind in (("signature", "corp"), ("agentSignature", "agent")):
        ticket = fake.state.jsapi_tickets[f"{owner}|{kind}"]
        nonce, stamp = config["nonceStr"], config["timestamp"]
        plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={stamp}&url={url}"
        assert config[key] == hashlib.sha1(plain.encode()).hexdigest()
    assert config["corpid"] == world["account"].corp_id and "getCurContExternalContact" in config["jsApiList"]
    html = response.content.decode()
    embedded = html.split('id="sb-jssdk" type="application/json">')[1].split("</script>")[0]
    assert json.loads(embedded) == config
    # tickets are cached: a second page fetches none
    calls = dict(fake.state.calls)
    client.get(reverse("wechat:sidebar_library"))
    assert fake.state.calls.get("/cgi-bin/ticket/get") == calls.get("/cgi-bin/ticket/get") == 1


def test_without_wecom_tickets_the_page_still_works(client, fake, world, enterprise_a, settings):
    sign_in(client, fake, enterprise_a, "zhang")
    world["account"].agent_secret = "wrong"
    world["account"].save()
    response = client.get(reverse("wechat:sidebar_home"))
    assert response.status_code == 200 and response.context["jssdk"] is None
    assert b"sb-jssdk" not in response.content


def test_the_fakes_control_endpoint_issues_codes_the_sidebar_accepts(client, fake, world, enterprise_a):
    import requests

    code = requests.post(f"{fake.url}/_fake/oauth-code", json={"userid": "zhang"}, timeout=5).json()["code"]
    url = reverse("wechat:sidebar_entry", args=[enterprise_a.public_key])
    assert client.get(url, {"code": code}).status_code == 302
    assert client.get(contact_url("wm1")).status_code == 200


# ---- query counts (no N+1) -----------------------------------------------------------------------


def _queries(client, url, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_page_queries_do_not_grow_with_the_data(client, fake, world, library, enterprise_a, salesperson_a):
    sign_in(client, fake, enterprise_a, "zhang")
    urls = [(contact_url("wm1"), {}), (reverse("wechat:sidebar_home"), {})] + [
        (reverse("wechat:sidebar_library"), {"tab": tab}) for tab in ("scripts", "files", "articles")
    ]
    before = [_queries(client, url, **params) for url, params in urls]
    # given ten times more follow-ups, tags, contacts, scripts, files and articles
    lead = world["lead"]
    for n in range(10):
        FollowUp.objects.create(
            enterprise=enterprise_a, lead=lead, salesperson=salesperson_a, content=f"f{n}"
        )
        lead.tags.add(Tag.objects.create(enterprise=enterprise_a, name=f"t{n}"))
        ExternalContact.objects.create(
            enterprise=enterprise_a, salesperson=salesperson_a, external_userid=f"wmx{n}", added_at=NOW
        )
        SalesScript.objects.create(enterprise=enterprise_a, title=f"s{n}", text="x")
        SalesFile.objects.create(
            enterprise=enterprise_a, title=f"file{n}", document=make_document(enterprise_a, f"d{n}")
        )
        article_create(enterprise=enterprise_a, title=f"Article {n}", publish=True)
    after = [_queries(client, url, **params) for url, params in urls]
    assert after == before, (before, after)
    print("sidebar queries per page (contact, home, scripts, files, articles):", after)


def test_a_contact_without_unionid_or_visitor_cannot_start_unmatchable_leads(
    client, fake, world, enterprise_a, salesperson_a
):
    ExternalContact.objects.create(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        external_userid="wm6",
        name="Anonymous",
        added_at=NOW,
    )
    sign_in(client, fake, enterprise_a, "zhang")
    assert b"Create customer record" not in client.get(contact_url("wm6")).content
    before = Lead.objects.count()
    for _ in range(2):
        assert client.post(contact_url("wm6"), {"action": "lead"}).status_code == 404
    assert Lead.objects.count() == before


# ---- demo ---------------------------------------------------------------------------------------


def test_demo_contacts_open_a_customer_record_in_the_sidebar(client, settings):
    from crm import demo as crm_demo
    from enterprises import demo as enterprise_demo
    from wechat import demo as wechat_demo

    settings.WECHAT_API_BASE = settings.WECOM_API_BASE = ""  # the demo's in-process fake
    context = enterprise_demo.seed()
    crm_demo.seed_content(context)
    wechat_demo.seed_content(context)
    linked = {c.pk: c.unionid for c in ExternalContact.objects.filter(enterprise=context.enterprise)}
    wechat_demo.seed_content(context)  # idempotent
    assert linked == {c.pk: c.unionid for c in ExternalContact.objects.filter(enterprise=context.enterprise)}
    for contact in ExternalContact.objects.filter(enterprise=context.enterprise):
        lead = Lead.objects.get(enterprise=context.enterprise, unionid=contact.unionid)
        assert lead.salesperson_id == contact.salesperson_id and lead.is_customer
    # and a salesperson signing in through the demo fake sees their contact's customer
    from wechat.fake_server import demo_server

    contact = ExternalContact.objects.filter(enterprise=context.enterprise).first()
    userid = contact.salesperson.wechat_profile.wecom_userid
    code = demo_server().state.issue_oauth_code(userid)
    client.get(reverse("wechat:sidebar_entry", args=[context.enterprise.public_key]), {"code": code})
    response = client.get(contact_url(contact.external_userid))
    assert response.status_code == 200 and response.context["lead"] is not None
