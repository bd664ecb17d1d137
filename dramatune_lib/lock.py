"""Shared kernel: a run's hold on what it writes — a lock file beside an output, whether the
process that left one (or a tab's folder) still exists, and a full disk said as such."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from .errors import DramaTuneError


@contextlib.contextmanager
def output_lock(output: str | Path) -> Iterator[Path]:
    """Hold ``.<name>.lock`` beside ``output`` while a run writes it: made exclusively, holding
    this process's id, removed at the end. A second run with the same output stops with one line
    instead of racing the first for its files; a lock left by a run that no longer exists (killed)
    is taken over.

    Used by: :mod:`fit_and_export.export`
    """
    output = Path(output)
    lock = lock_path(output)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            try:
                text = lock.read_text(errors="replace")[:32].strip() if lock.stat().st_size < 32 else "?"
            except OSError:
                text = "?"
            if not text:  # made this instant by another run, its id not written yet
                text = "0"
            elif not text.isdigit():  # not a lock of ours: never removed
                raise DramaTuneError(f"{lock}: is in the way of {output.name}'s lock — move it away") from None
            pid = int(text)
            if pid == 0 or pid_alive(pid):
                raise DramaTuneError(
                    f"{output}: another DramaTune run is writing it now (process {pid or '?'}) — wait for it "
                    f"to finish or choose another -o (remove {lock.name} if no run is going)"
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that ended without removing it
    else:
        raise DramaTuneError(f"{output}: another DramaTune run is writing it now — wait for it or choose another -o")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        yield lock
    finally:
        lock.unlink(missing_ok=True)


def lock_path(output: str | Path) -> Path:
    """The lock file :func:`output_lock` holds for ``output``: ``.<name>.lock`` beside it.

    Used by: :mod:`fit_and_export.export`
    """
    return Path(output).with_name(f".{Path(output).name}.lock")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a process of another user's counts).

    Used by: :mod:`recommend_and_merge.files`
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


#: Free space below which a failed write is put down to a full disk, bytes. ffmpeg says "No space
#: left on device" and Python's OSError carries ENOSPC, but libsndfile reports only "System
#: error"; a write that fails with less than this left on its disk failed for want of room.
FULL_DISK_BYTES = 1 << 20


def full_disk_error(
    output: str | Path, exc: BaseException, written: str = "nothing was written"
) -> DramaTuneError | None:
    """The one-line error for a write of ``output`` that failed because its disk is full (which
    output, how much is left, what to do, and ``written``: what is on disk now), or None when
    ``exc`` is not that.

    Used by: :mod:`fit_and_export.export`, :mod:`pipeline`
    """
    folder = Path(output).absolute().parent
    nospace = getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in str(exc)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if not nospace and (free is None or free >= FULL_DISK_BYTES):
        return None
    left = f"{free / 1e6:.1f} MB free" if free is not None else "full"
    return DramaTuneError(
        f"{output}: the disk is full ({folder}: {left}) — free some space there or write elsewhere with -o; {written}"
    )
