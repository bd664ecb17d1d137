"""Memory of the served app as tabs open and close (issue #14): the Voila server and its kernels
together, before any page, after 12 page loads that each analyse a demo scene, and each 5 s after
the 12 tabs close, with the app's own culling settings (app.KERNEL_IDLE_CULL_S). The figure to keep:
how long until memory is back within 200 MB of where it started. Needs Debian chromium.
Run: ``make bench``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

from dramatune_lib.config import PROJECT_ROOT
from dramatune_lib.recommend_and_merge import KERNEL_IDLE_CULL_S, new_token, voila_command

OUT = Path(__file__).parent / "results"
LOADS = 12  # as the issue asks
BROWSERS = 2  # tabs spread over two browsers: one headless chromium never finished loading a 10th
WITHIN_MB = 200
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def server_mb(pid: int) -> float:
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20


def main() -> dict:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        print("bench_app_kernels: skipped — Debian chromium is not installed")
        return {}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = new_token()
    settings = tempfile.mkdtemp(prefix="bench-voila-")
    cmd = voila_command(port, token=token, config_dir=settings)
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/?token={token}"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()  # our own loopback server
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(KERNEL_IDLE_CULL_S + 20)  # the kernel of that first request is culled too
        start = server_mb(proc.pid)
        with sync_playwright() as p:
            browsers = [p.chromium.launch(executable_path=chromium, args=ARGS) for _ in range(BROWSERS)]
            pages = []
            for k in range(LOADS):
                pg = browsers[k % BROWSERS].new_context().new_page()  # a tab of its own
                pg.set_default_timeout(120_000)
                pg.goto(url, timeout=120_000)
                pg.get_by_role("button", name="Analyse scene").click()
                pg.get_by_text("done — listen").wait_for()
                pages.append(pg)
                print(f"tab {k + 1}: {server_mb(proc.pid):.0f} MB", flush=True)
            held = server_mb(proc.pid)
            for pg in pages:
                pg.context.close()
            closed = time.time()
            trace = []
            while time.time() - closed < 180:
                time.sleep(5)
                trace.append((round(time.time() - closed), round(server_mb(proc.pid))))
                if trace[-1][1] <= start + WITHIN_MB:
                    break
            for browser in browsers:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    back = next((t for t, mb in trace if mb <= start + WITHIN_MB), None)
    result = {
        "loads": LOADS,
        "start_mb": round(start),
        "after_loads_mb": round(held),
        "trace_s_mb": trace,
        "back_within_200_mb_after_s": back,
        "cull_idle_s": KERNEL_IDLE_CULL_S,
    }
    print(
        f"app kernels: {round(start)} MB before, {round(held)} MB after {LOADS} analysing tabs; "
        f"back within {WITHIN_MB} MB {back} s after they closed"
        if back is not None
        else f"app kernels: not back within {WITHIN_MB} MB 180 s after the tabs closed: {trace}"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "app_kernels.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
