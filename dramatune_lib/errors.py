"""DramaTune's own exception types.

Each message names the file and says what to do, in one line, so the CLI can print it as it is
and the app can show it in the page.
"""

from __future__ import annotations

from pathlib import Path


class DramaTuneError(Exception):
    """Base class: a problem a user can act on, with a one-line message."""


class BadInputError(DramaTuneError):
    """An input file cannot be used (not a video, truncated, no audio where audio is needed...)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name}: {problem}")


class OutputExistsError(DramaTuneError):
    """An output file already exists and overwriting was not asked for."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: already exists — choose another name or pass --overwrite")


class EmptyLibraryError(DramaTuneError):
    """A music folder holds no usable track."""


class OutputIsInputError(DramaTuneError):
    """An output (or a file written beside it) would be one of the run's inputs, or a file in the
    music library. Never lifted by ``--overwrite``."""

    def __init__(self, path: str | Path, inp: str | Path, *, library: bool = False) -> None:
        self.path, self.input = Path(path), Path(inp)
        if library:
            msg = (
                f"{self.path}: is inside the music library {self.input} — DramaTune never writes into "
                "your library; choose an output outside it"
            )
        else:
            msg = (
                f"{self.path}: is the input {self.input} — DramaTune never writes over your files; "
                "choose another output name"
            )
        super().__init__(msg)
