"""A real `streamlit run app.py` on a fresh workspace, and Debian's headless Chromium.

Shared by the end-to-end tests (tests/e2e/conftest.py) and the benchmarks (bench/bench_*.py),
so both measure and test the same server and browser set-up:

    with chromium() as browser:
        ctx, blocked = local_context(browser, server.url)   # only the local server is reached
        page = ctx.new_page()
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent

# Flags for Debian's Chromium on a machine with no network: without the background-networking
# ones, Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """Path of Debian's Chromium (playwright cannot download its own browser here)."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError(
        "Chromium introuvable : lancez `make test` (il installe le paquet Debian 'chromium')."
    )


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by playwright (CHROMIUM_ARGS), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def local_context(browser: Any, *urls: str, **options: Any) -> tuple[Any, list[str]]:
    """A new browser context (1400 × 900, French, `options` passed on) in which every request
    to a host other than those of `urls` is aborted and recorded in the returned list: what
    runs in it proves the app works with no internet."""
    allowed = {urlparse(u).netloc for u in urls}
    context = browser.new_context(
        **{"viewport": {"width": 1400, "height": 900}, "locale": "fr-FR", **options}
    )
    blocked: list[str] = []

    def _route(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).netloc in allowed:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", _route)
    return context, blocked


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on 127.0.0.1, a free port and a fresh temporary workspace."""

    def __init__(
        self,
        prefix: str = "diag",
        script: Path | None = None,
        workspace: str | None = None,
        root: Path | None = None,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> None:
        self.root = root or ROOT  # another checkout of the app (bench_first_start reference)
        # another script (bench) still runs from the root
        self.script = script or self.root / "app.py"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # a workspace prepared beforehand (bench_first_start), else a new empty one
        self.ws = workspace or tempfile.mkdtemp(prefix=f"{prefix}-ws-")
        self.log = open(Path(tempfile.gettempdir()) / f"{prefix}-streamlit-{self.port}.log", "w")  # noqa: SIM115 - open for the server lifetime, closed in stop()
        self.proc: subprocess.Popen | None = None
        self.extra_env = env or {}  # e.g. DIAG_DATABASE_URL, DIAG_AUTH (issue 20)
        self.extra_args = args or []  # e.g. --secrets.files

    def start(self) -> None:
        env = dict(os.environ, DIAG_WORKSPACE_DIR=self.ws, PYTHONUNBUFFERED="1")
        env.update(self.extra_env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(self.script),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                *self.extra_args,
            ],
            cwd=self.root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Le serveur Streamlit n'a pas démarré (journal : {self.log.name})")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
        if not self.log.closed:
            self.log.close()
