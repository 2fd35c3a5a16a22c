"""Real processes for the fault and load benches (and their CI versions): Redis, gunicorn, Celery.

Everything is started on loopback on free ports, with the environment given, and stopped by
its own process id. Used by ``bench/durability.py``, ``bench/load.py`` and
``tests/security/test_durability.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout} s")


class RedisServer:
    """A redis-server on its own port and directory.

    ``appendonly``/``appendfsync`` as docs/deploy.md asks for the tracking queue (AOF);
    ``restart(crash=True)`` SIGKILLs it (a crash: only what reached the AOF survives),
    ``crash=False`` is an orderly SHUTDOWN.
    """

    def __init__(self, directory: Path, *, appendfsync: str = "everysec", port: int | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.appendfsync = appendfsync
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                self.appendfsync,
                "--save",
                "",
                "--maxmemory-policy",
                "noeviction",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: self.client().ping(), 15, "redis")
        return self

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def stop(self, crash: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if crash:
            self.process.send_signal(signal.SIGKILL)
        else:
            try:
                self.client().shutdown()
            except Exception:  # noqa: BLE001 - the connection drops while it shuts down
                pass
        self.process.wait(15)

    def restart(self, *, crash: bool = True, down_seconds: float = 1.0) -> None:
        self.stop(crash=crash)
        time.sleep(down_seconds)
        self.start()


def django_env(*, database_url: str, redis_url: str, extra: dict | None = None) -> dict:
    """The environment of a server or worker process of this project on the given services."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE=env.get("BENCH_SETTINGS", "cms.settings.test"),
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def start_gunicorn(
    env: dict,
    *,
    workers: int = 2,
    port: int | None = None,
    threads: int = 1,
    keep_alive: int = 2,
    log: Path | None = None,
) -> tuple[subprocess.Popen, str]:
    """gunicorn with ``workers`` sync workers; returns (process, base url) once it answers."""
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cms.wsgi:application",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            "--keep-alive",
            str(keep_alive),
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=out,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            urllib.request.urlopen(base + "/t/", timeout=2)
        except urllib.error.HTTPError:
            return True  # 405 on GET: the app answers
        return True

    wait_until(up, 90, "gunicorn", interval=0.3)
    return process, base


def start_worker(env: dict, *, log: Path | None = None) -> subprocess.Popen:
    """A Celery worker (solo pool, like tests/conftest.py's celery_worker) for the project's tasks."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=out,
    )


def stop(process: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after ``timeout``: only the given process."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
