"""``python -m dramatune_lib.recommend_and_merge``: serve the app (``make app``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..dataset_prep import ensure_demo_data
from .serve import server_settings, voila_command


def main(argv: list[str] | None = None) -> None:
    """``python -m dramatune_lib.recommend_and_merge [--port N] [--library DIR] [--ip IP] [--library-root DIR ...]``:
    serve the app (on 127.0.0.1 unless ``--ip`` says otherwise).

    Notebook: 05_recommend_and_merge.ipynb
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
    args = ap.parse_args(argv)
    ensure_demo_data()
    if args.library and not Path(args.library).is_dir():
        ap.error(f"--library {args.library}: is not a folder — give the folder that holds your music")
    os.environ.update(server_settings(args.library, args.ip, args.library_root))
    cmd = voila_command(args.port, ip=args.ip)
    where = "this computer only" if args.ip in ("127.0.0.1", "localhost", "::1") else f"the network, as {args.ip}"
    print(f"DramaTune app: http://{args.ip}:{args.port}/ ({where}; Ctrl-C to stop)", flush=True)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
