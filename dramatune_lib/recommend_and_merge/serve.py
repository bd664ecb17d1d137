"""Stage 05 · serving the app notebook with Voila: the command line, kernel culling and what a visitor may read."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import config
from ..dataset_prep import ensure_demo_data
from .session import MAX_UPLOAD_MB

#: A page's kernel is shut down once its tab is closed and it has been idle this long, seconds
#: (Voila keeps one kernel per page load; without culling, 12 loads held 3.2 GB). A tab left open
#: keeps its kernel however long it idles. Chosen by hand, and measured by
#: ``bench/bench_app_kernels.py`` (RESULTS.md): at 120 s memory took 135 s to come back.
KERNEL_IDLE_CULL_S = 60


#: How often the server looks for such kernels, seconds.
KERNEL_CULL_INTERVAL_S = 20


def voila_command(
    port: int,
    *,
    notebook: str | Path | None = None,
    ip: str = "127.0.0.1",
    cull_idle: int = KERNEL_IDLE_CULL_S,
    cull_interval: int = KERNEL_CULL_INTERVAL_S,
) -> list[str]:
    """The command line that serves the app notebook with Voila (used by ``make app`` and the tests).

    Uploads travel over the kernel's websocket, whose default 10 MiB message limit is raised to
    fit :data:`MAX_UPLOAD_MB`. A closed tab's kernel is shut down after ``cull_idle`` seconds idle
    (:data:`KERNEL_IDLE_CULL_S`).

    Notebook: 05_recommend_and_merge.ipynb
    """
    nb = Path(notebook) if notebook else config.PROJECT_ROOT / "notebooks" / "05_recommend_and_merge.ipynb"
    limit = (MAX_UPLOAD_MB + 64) * 1024 * 1024  # base64 and message framing overhead
    return [
        sys.executable,
        "-m",
        "voila",
        str(nb),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--theme=light",
        f"--Voila.tornado_settings={{'websocket_max_message_size': {limit}}}",
        # the notebook's prose (goal, summary, exercises) is for the course, not the app's page: every
        # markdown cell is left out of the page (its headings are widgets); the tab reads "DramaTune"
        # from the notebook's metadata
        "--HTMLExporter.exclude_markdown=True",
        # closed tabs free their kernels (one that is still connected is never culled)
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
    ]


def server_settings(library: str | None, ip: str, roots: list[str]) -> dict[str, str]:
    """The environment the app's kernels get from the server: the music folder they open with and
    the folders they may read music from. Served to a network (any address but this machine's
    own), the folder field reads only inside the roots given, or inside the starting folder (or
    the demo library) when none are: a visitor must not browse the server's disk.

    Notebook: 05_recommend_and_merge.ipynb
    """
    import ipaddress

    try:
        local = ipaddress.ip_address(ip).is_loopback
    except ValueError:
        local = ip == "localhost"
    resolved = [str(Path(r).expanduser().resolve()) for r in roots]
    if not local and not resolved:
        resolved = [str(Path(library).expanduser().resolve()) if library else str(ensure_demo_data().library)]
    env = {"DRAMATUNE_LIBRARY_ROOTS": os.pathsep.join(resolved)}
    if library:
        env["DRAMATUNE_LIBRARY"] = str(Path(library).expanduser().resolve())
    return env
