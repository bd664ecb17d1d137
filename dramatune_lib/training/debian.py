"""Stage 03 · labelled audio from Debian packages: fetched with ``apt-get download`` (no root needed) into the
cache and unpacked with ``dpkg-deb``; where either tool is missing, that source is skipped and said so."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .. import config


def fetch_debian(package: str, folder: Path | None = None) -> Path | None:
    """Download and unpack a Debian package's files (``apt-get download`` + ``dpkg-deb -x``).

    Returns the unpacked root, or None (with the reason printed) when apt or the package is
    not available here. Nothing is installed system-wide.

    Notebook: 02_feature_extraction.ipynb
    """
    folder = folder or config.cache_dir() / "debian"
    root = folder / package
    if (root / ".complete").exists():
        return root
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        print(f"{package}: skipped — apt-get/dpkg-deb not found (a Debian or Ubuntu system is needed)")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["apt-get", "download", package], cwd=folder, capture_output=True, text=True)
    debs = sorted(folder.glob(f"{package}_*.deb"))
    if r.returncode != 0 or not debs:
        last = (r.stderr.strip().splitlines() or ["unknown error"])[-1]
        print(f"{package}: skipped — apt-get download failed ({last})")
        return None
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(root)], check=True)
    debs[-1].unlink()
    (root / ".complete").touch()
    return root
