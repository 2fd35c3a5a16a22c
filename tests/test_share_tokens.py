"""TRK-1: share tokens are short, signed and carry the forward chain; links and QR codes."""

from __future__ import annotations

import base64

import pytest

from trackers.models import Event, ShareForward
from trackers.services import TrackingError, share_forward, visitor_identify
from trackers.share import (
    MAX_TOKEN_CHARS,
    ShareTokenInvalid,
    share_token_make,
    share_token_verify,
    share_url,
)

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401


def test_token_round_trips_and_fits_a_mini_program_scene(enterprise_a):
    # given the largest ids we expect (2M salespeople and items, 268M visitors)
    token = share_token_make(
        enterprise_id=16000,
        salesperson_id=2_000_000,
        kind="poster",
        target_id=2_000_000,
        forwarder_id=268_000_000,
        depth=7,
    )
    # when verified
    context = share_token_verify(token)
    # then every field survives and the token fits a 32-character scene
    assert len(token) <= MAX_TOKEN_CHARS
    assert (context.enterprise_id, context.salesperson_id, context.kind) == (16000, 2_000_000, "poster")
    assert (context.target_id, context.forwarder_id, context.depth) == (2_000_000, 268_000_000, 7)


def test_every_single_character_change_is_rejected(salesperson_a):
    token = token_for(salesperson_a, "article", 42)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position in range(len(token)):
        for replacement in alphabet[::7]:
            if replacement == token[position]:
                continue
            tampered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(ShareTokenInvalid):
                share_token_verify(tampered)


@pytest.mark.parametrize("junk", ["", "short", "x" * 40, None, 12, "!!!!!!!!!!!!!!!!", "AAAAAAAAAAAAAAAA"])
def test_junk_tokens_are_rejected(junk):
    with pytest.raises(ShareTokenInvalid):
        share_token_verify(junk)


def test_forged_token_with_another_key_is_rejected(salesperson_a, settings):
    # given a token signed with a different secret (an attacker guessing the format)
    settings.SECRET_KEY = "attacker-secret-" + "y" * 40
    forged = share_token_make(
        enterprise_id=salesperson_a.enterprise_id, salesperson_id=1, kind="card", target_id=1
    )
    settings.SECRET_KEY = "real-secret-" + "z" * 40
    # then the real server refuses it
    with pytest.raises(ShareTokenInvalid):
        share_token_verify(forged)


def test_changing_the_salesperson_inside_the_payload_breaks_the_signature(salesperson_a, other_salesperson_a):
    token = token_for(salesperson_a, "card", 5)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[2] ^= 0x01  # flip one bit of the salesperson varint
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(ShareTokenInvalid):
        share_token_verify(tampered)


def test_share_url_carries_a_verifiable_token(salesperson_a, enterprise_a):
    class Item:
        share_kind = "product"
        pk = 77
        enterprise_id = enterprise_a.pk

    url = share_url(Item(), salesperson_a)
    token = url.rstrip("/").rsplit("/", 1)[1]
    context = share_token_verify(token)
    assert url.startswith("http://testserver/h5/s/")
    assert (context.kind, context.target_id, context.salesperson_id) == ("product", 77, salesperson_a.pk)


@pytest.mark.django_db
def test_forward_chain_credits_origin_and_records_forwarders(client, salesperson_a, clean_redis):  # noqa: F811
    # given a salesperson's article link opened by visitor 1, who forwards it to visitor 2, who forwards again
    origin = token_for(salesperson_a, "article", 9)
    first = visitor_identify(enterprise=salesperson_a.enterprise, device_id="device-first-1")
    second = visitor_identify(enterprise=salesperson_a.enterprise, device_id="device-second-2")
    level_one = share_forward(parent_token=origin, visitor=first)
    level_two = share_forward(parent_token=level_one, visitor=second)
    # when a third visitor opens the twice-forwarded link
    response = post_batch(client, level_two, [event("open")], device="device-third-3")
    # then the event is credited to the origin salesperson and names the last forwarder and the depth
    assert response.status_code == 202
    stored = Event.objects.get()
    assert stored.salesperson_id == salesperson_a.pk
    assert (stored.forwarder_id, stored.depth) == (second.pk, 2)
    # and the chain is recorded link by link
    chain = ShareForward.objects.order_by("depth")
    assert [(row.parent_token, row.token, row.forwarder_id) for row in chain] == [
        (origin, level_one, first.pk),
        (level_one, level_two, second.pk),
    ]
    assert share_token_verify(level_two).salesperson_id == salesperson_a.pk


@pytest.mark.django_db
def test_a_visitor_cannot_forward_another_enterprises_share(salesperson_a, salesperson_b):
    visitor_b = visitor_identify(enterprise=salesperson_b.enterprise, device_id="device-bbbb-1")
    with pytest.raises(TrackingError) as error:
        share_forward(parent_token=token_for(salesperson_a), visitor=visitor_b)
    assert error.value.code == "FORBIDDEN"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fmt, content_type, magic", [("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG")]
)
def test_qr_code_of_a_share_link(client, salesperson_a, fmt, content_type, magic):
    response = client.get(f"/t/qr/{token_for(salesperson_a)}.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)


@pytest.mark.django_db
def test_qr_code_of_a_tampered_token_is_not_found(client, salesperson_a):
    token = token_for(salesperson_a)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/t/qr/{tampered}.svg").status_code == 404
