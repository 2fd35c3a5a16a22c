"""WeChat adapter figures against the local fake server (no database needed).

- cached token reads per second (Django cache: Redis when REDIS_URL is set);
- a refresh stampede: N threads whose token the server just expired, with the adapter's lock
  vs a lock-free refresh (what wechatpy's clients do): how many token fetches each makes;
- adapter round trips per second (subscribe message through loopback HTTP);
- WeCom callback verification + decryption per second.

    REDIS_URL=redis://127.0.0.1:6379/0 python bench/wechat.py [--threads 32]

Last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402

from wechat import adapter  # noqa: E402
from wechat.fake_server import FakeServer, FakeState, wecom_encrypt  # noqa: E402


def stampede(server: FakeServer, client_factory, threads: int) -> tuple[int, float]:
    """Expire the token, then let ``threads`` workers call at once; count token fetches."""
    client_factory().access_token()
    server.state.expire_tokens()
    before = server.state.token_requests
    barrier = threading.Barrier(threads)

    def worker(n):
        barrier.wait()
        client_factory().subscribe_send(openid=f"o{n}", template_id="t", data={"thing1": "x"})

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return server.state.token_requests - before, time.perf_counter() - started


class LockFreeClient(adapter.MiniProgramClient):
    """Baseline: refresh whenever the server refuses, no lock (every worker fetches)."""

    def access_token(self, *, stale=None):
        token = cache.get(self.credentials.cache_key)
        if token and token != stale:
            return token
        token, expires_in = self._fetch_token()
        cache.set(self.credentials.cache_key, token, expires_in)
        return token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()

    server = FakeServer(state=FakeState(auto_register=True)).start()
    settings.WECHAT_API_BASE = settings.WECOM_API_BASE = server.url
    suffix = str(time.time_ns())
    credentials = adapter.Credentials("wechat", f"wxbench{suffix}", "secret", server.url)
    baseline_credentials = adapter.Credentials("wechat", f"wxbase{suffix}", "secret", server.url)
    figures: dict = {
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "threads": args.threads,
    }

    client = adapter.MiniProgramClient(credentials)
    client.access_token()
    started = time.perf_counter()
    for _ in range(args.reads):
        client.access_token()
    figures["cached_token_reads_per_s"] = round(args.reads / (time.perf_counter() - started))

    fetches, seconds = stampede(server, lambda: adapter.MiniProgramClient(credentials), args.threads)
    figures["stampede_token_fetches_locked"] = fetches
    figures["stampede_seconds_locked"] = round(seconds, 3)
    fetches, seconds = stampede(server, lambda: LockFreeClient(baseline_credentials), args.threads)
    figures["stampede_token_fetches_lock_free"] = fetches
    figures["stampede_seconds_lock_free"] = round(seconds, 3)

    started = time.perf_counter()
    for n in range(args.calls):
        client.subscribe_send(openid=f"o{n}", template_id="t", data={"thing1": "x"})
    figures["subscribe_calls_per_s"] = round(args.calls / (time.perf_counter() - started))

    aes_key = base64.b64encode(os.urandom(32)).decode()[:43]
    crypto = adapter.CallbackCrypto(token="tok", encoding_aes_key=aes_key, corp_id="wwbench")
    message = "<xml><Event><![CDATA[change_external_contact]]></Event>" + "<X>y</X>" * 20 + "</xml>"
    encrypted, signature = wecom_encrypt(
        token="tok", aes_key=aes_key, receive_id="wwbench", message=message, timestamp="1", nonce="n"
    )
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    started = time.perf_counter()
    for _ in range(args.calls * 4):
        crypto.decrypt(msg_signature=signature, timestamp="1", nonce="n", body=body)
    figures["callback_decrypts_per_s"] = round(args.calls * 4 / (time.perf_counter() - started))
    server.stop()
    for key, value in figures.items():
        print(f"{key:34} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
