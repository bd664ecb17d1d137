"""Stage 05 · serving the app notebook with Voila: the command line, kernel culling and what a visitor may read."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path

from .. import config, errors
from ..dataset_prep import ensure_demo_data
from .upload import UPLOAD_CHUNK_BYTES

#: A page's kernel is shut down once its tab is closed and it has been idle this long, seconds
#: (Voila keeps one kernel per page load; without culling, 12 loads held 3.2 GB). A tab left open
#: keeps its kernel however long it idles. Chosen by hand, and measured by
#: ``bench/bench_app_kernels.py`` (RESULTS.md): at 120 s memory took 135 s to come back.
KERNEL_IDLE_CULL_S = 60


#: Room for the widget message around an upload's slice on the websocket, MB (its JSON is a few kB).
UPLOAD_FRAMING_MB = 1


#: How often the server looks for such kernels, seconds.
KERNEL_CULL_INTERVAL_S = 20


def is_loopback(ip: str) -> bool:
    """Whether ``ip`` is this machine's own address (127.0.0.0/8, ::1, localhost).

    Used by: :mod:`recommend_and_merge.__main__`
    """
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def new_token() -> str:
    """A random token for one start of the server (as Jupyter makes one): 32 bytes, URL-safe.

    Used by: :mod:`recommend_and_merge.__main__`
    """
    return secrets.token_urlsafe(32)


def voila_command(
    port: int,
    *,
    token: str,
    notebook: str | Path | None = None,
    ip: str = "127.0.0.1",
    cull_idle: int = KERNEL_IDLE_CULL_S,
    cull_interval: int = KERNEL_CULL_INTERVAL_S,
    config_dir: str | Path | None = None,
) -> list[str]:
    """The command line that serves the app notebook with Voila (used by ``make app`` and the tests).

    Args:
        port: the port to listen on.
        token: what a visitor must present (``?token=`` once; a cookie after that), as Jupyter asks.
            "" turns authentication off, which only this machine's own address allows.
        notebook: the app notebook (default: notebook 05).
        ip: the address to listen on (default: this machine only).
        cull_idle, cull_interval: a closed tab's kernel is shut down after ``cull_idle`` seconds
            idle (:data:`KERNEL_IDLE_CULL_S`), looked for every ``cull_interval``.
        config_dir: where the server's settings are written (default: a new private temporary
            folder); the token goes there, never on the command line, where ``ps`` shows it.

    Returns:
        The command, ready for :class:`subprocess.Popen` or :func:`os.execv`.

    The settings: uploads travel over the kernel's websocket in slices of
    :data:`upload.UPLOAD_CHUNK_BYTES`, so its message limit (10 MiB by default) is lowered to one
    slice and its framing: a larger message is refused before the server holds it. On this
    machine's own address the ``Host`` header must name it too (Voila turns Jupyter's check off; a
    page in another tab that rebinds its own domain to 127.0.0.1 is refused), and posted forms and
    API calls need Jupyter's XSRF cookie.

    Used by: :mod:`recommend_and_merge.__main__`
    """

    if not token and not is_loopback(ip):
        raise errors.DramaTuneError(
            f"--ip {ip}: serving to a network needs a token — leave --token out to get a random one"
        )
    nb = Path(notebook) if notebook else config.PROJECT_ROOT / "notebooks" / "05_recommend_and_merge.ipynb"
    # an upload's slice travels as one binary websocket message with a few kB of JSON around it
    # (UPLOAD_FRAMING_MB); tornado reads a message's length first and closes the socket on a
    # larger one before it holds any of its bytes
    limit = UPLOAD_CHUNK_BYTES + UPLOAD_FRAMING_MB * 1024 * 1024
    folder = Path(config_dir) if config_dir else Path(tempfile.mkdtemp(prefix="dramatune-voila-"))
    settings = {
        "Voila": {
            "token": token,
            "tornado_settings": {
                "websocket_max_message_size": limit,
                "allow_remote_access": not is_loopback(ip),
                "local_hostnames": ["localhost"],
                "xsrf_cookies": True,
            },
        }
    }
    target = folder / "voila.json"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(settings, f)
    return [
        sys.executable,
        "-m",
        "voila",
        str(nb),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--theme=light",
        f"--Voila.config_file_paths={folder}",
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

    Used by: :mod:`recommend_and_merge.__main__`
    """
    local = is_loopback(ip)
    resolved = [str(Path(r).expanduser().resolve()) for r in roots]
    if not local and not resolved:
        resolved = [str(Path(library).expanduser().resolve()) if library else str(ensure_demo_data().library)]
    env = {"DRAMATUNE_LIBRARY_ROOTS": os.pathsep.join(resolved)}
    if library:
        env["DRAMATUNE_LIBRARY"] = str(Path(library).expanduser().resolve())
    return env
