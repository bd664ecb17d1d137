"""``python -m dramatune_lib.recommend_and_merge``: serve the app (``make app``)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from pathlib import Path

from ..dataset_prep import ensure_demo_data
from ..errors import DramaTuneError
from .serve import is_loopback, new_token, server_settings, voila_command

#: The environment variable that gives the server's token (as ``--token`` does), for a teacher who
#: wants the same link every start.
TOKEN_ENV = "DRAMATUNE_TOKEN"


def _wait_and_open(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Open ``url`` in the user's browser once the server answers (never, if it died first)."""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=5).close()  # our own server, on this machine
        except OSError:
            time.sleep(0.5)
            continue
        webbrowser.open(url)
        return


def main(argv: list[str] | None = None) -> int:
    """``python -m dramatune_lib.recommend_and_merge [--port N] [--library DIR] [--ip IP]
    [--library-root DIR ...] [--token TOKEN] [--open]``: serve the app (on 127.0.0.1 unless
    ``--ip`` says otherwise), behind a token made anew at every start unless ``--token`` or
    ``$DRAMATUNE_TOKEN`` gives one; the link with the token is printed, and opened with ``--open``.

    Used by: :mod:`cli.__main__`, :mod:`evaluation.__main__`, :mod:`pipeline` and 1 more
    """
    ap = argparse.ArgumentParser(
        prog="python -m dramatune_lib.recommend_and_merge", description="Serve the DramaTune app with Voila."
    )
    ap.add_argument("--port", type=int, default=8866)
    ap.add_argument(
        "--library",
        metavar="DIR",
        help="the music folder the app opens with (default: the demo library, or the one chosen on the last visit)",
    )
    ap.add_argument(
        "--ip",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this computer only); another serves the app to a network",
    )
    ap.add_argument(
        "--library-root",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder the app's music-folder field may read (repeatable); served to a network "
        "without one, only the starting folder may be read",
    )
    ap.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"what a visitor's link must carry (default: ${TOKEN_ENV}, or a random one made at every start); "
        "'' turns it off, on this computer's own address only",
    )
    ap.add_argument("--open", action="store_true", help="open the app in the browser once it answers")
    args = ap.parse_args(argv)
    token = new_token() if args.token is None else args.token
    if args.library and not Path(args.library).is_dir():
        ap.error(f"--library {args.library}: is not a folder — give the folder that holds your music")
    with tempfile.TemporaryDirectory(prefix="dramatune-voila-") as settings:  # the token's file, removed at exit
        try:  # refuses a network address without a token, before any other work
            cmd = voila_command(args.port, ip=args.ip, token=token, config_dir=settings)
        except DramaTuneError as e:
            ap.error(str(e))
        ensure_demo_data()
        # each tab's private folder lives in one made for this start, removed when the server stops
        sessions = tempfile.mkdtemp(prefix="dramatune-sessions-")
        env = {**os.environ, **server_settings(args.library, args.ip, args.library_root)}
        env["DRAMATUNE_SESSIONS"] = sessions
        host = "127.0.0.1" if is_loopback(args.ip) else args.ip
        url = f"http://{host}:{args.port}/" + (f"?token={token}" if token else "")
        where = "this computer only" if is_loopback(args.ip) else "the network: give the link to your class"
        print(f"DramaTune app: {url}\n({where}; Ctrl-C to stop)", flush=True)
        proc = subprocess.Popen(cmd, env=env)
        try:
            if args.open:
                _wait_and_open(url, proc)
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            try:
                return proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()
        finally:
            shutil.rmtree(sessions, ignore_errors=True)  # whatever ended the kernels


if __name__ == "__main__":
    sys.exit(main())
