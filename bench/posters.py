"""Poster composition and QR rendering speed (no database: the render path only).

A cached poster costs one indexed lookup on ``GeneratedPoster.cache_key``; this measures
the uncached path that runs on the first request for a (template, salesperson, target):

- ``qr_png`` of a typical share URL,
- a full 750×1334 poster (background decode, QR, round avatar, CJK name and caption, PNG encode).

    python bench/posters.py [--runs 30]

Last line: {"qr_png_p50_ms": a, "poster_p50_ms": b, "poster_p95_ms": c, "font": "..."}
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from PIL import Image  # noqa: E402

from cms.posters.models import PosterTemplate  # noqa: E402
from cms.posters.services import _render, font_path  # noqa: E402
from cms.qrcodes import qr_png  # noqa: E402

URL = "https://h5.example.com/h5/s/IwEBAQj0yPYWtwra/"


class MemoryFile(io.BytesIO):
    def open(self, mode="rb"):
        self.seek(0)
        return self

    def close(self):  # keep the buffer for the next run
        self.seek(0)


def png(size, colour) -> MemoryFile:
    buffer = MemoryFile()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    template = PosterTemplate(
        name="bench",
        caption="新春快乐 万事如意",
        qr_x=490,
        qr_y=1070,
        qr_size=220,
        avatar_x=60,
        avatar_y=1090,
        avatar_size=140,
        name_x=220,
        name_y=1120,
        name_size=44,
    )
    base = SimpleNamespace(file=png((750, 1334), (180, 20, 30)))
    salesperson = SimpleNamespace(
        display_name="王小明", avatar_id=1, avatar=SimpleNamespace(file=png((300, 300), (200, 140, 90)))
    )
    qr_times = timed(lambda: qr_png(URL), args.runs)
    poster_times = timed(
        lambda: _render(salesperson=salesperson, template=template, base=base, url=URL), args.runs
    )
    result = {
        "runs": args.runs,
        "qr_png_p50_ms": round(statistics.median(qr_times), 2),
        "poster_p50_ms": round(statistics.median(poster_times), 1),
        "poster_p95_ms": round(poster_times[int(len(poster_times) * 0.95) - 1], 1),
        "font": font_path(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
