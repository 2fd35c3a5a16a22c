"""Settings for bench/graphql_pages.py: the test settings plus wagtail-grapple as the peer.

grapple is installed outside the project's environment (``pip install --no-deps --target
.venv/bench-peer -r bench/requirements.txt``); ``BENCH_PEER_PATH`` points elsewhere if needed.
"""

import os
import sys
from pathlib import Path

DEFAULT_PEER_PATH = Path(__file__).resolve().parent.parent / ".venv" / "bench-peer"
PEER_PATH = os.environ.get("BENCH_PEER_PATH", str(DEFAULT_PEER_PATH))
if PEER_PATH not in sys.path:
    sys.path.append(PEER_PATH)

from cms.settings.test import *  # noqa: E402, F403
from cms.settings.test import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "bench.grapple_peer.GrapplePeerConfig", "grapple"]
ROOT_URLCONF = "bench.grapple_peer"
GRAPPLE = {
    "APPS": ["microsites", "articles", "leadforms", "products", "salesfiles"],
    "RICHTEXT_FORMAT": "html",
}
