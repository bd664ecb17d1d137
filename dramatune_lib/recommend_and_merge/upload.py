"""Stage 05 · an upload written to disk as it arrives.

ipywidgets' FileUpload sends a whole file as one websocket message, which the server and then the
kernel each hold whole (three or four copies of a 200 MB file) before a byte is written.
:class:`ChunkedUpload` reads the file in the browser one slice at a time and sends the next slice
only when the kernel has written the last, so neither the server nor the kernel ever holds more
than a slice; the size is announced first, so a file over the limit is refused before a byte
travels.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..errors import BadInputError
from .files import guard

#: Bytes per slice, one websocket message each (chosen by hand: a 200 MB scene is 200 round
#: trips, well under a second on one machine; the server's message limit is this plus framing).
UPLOAD_CHUNK_BYTES = 1 << 20


class Upload:
    """A file being received: its slices are appended to ``path`` in order (created exclusively:
    nothing already there is written through); :meth:`finish` closes it and runs ``check`` on it,
    :meth:`abort` deletes it. Whatever ``check`` refuses is deleted too.

    Used by: :class:`ChunkedUpload`, :mod:`recommend_and_merge.session`
    """

    def __init__(self, path: Path, size: int, check: Callable[[Path], Any]):
        self.path, self.size, self._check = path, size, check
        self.received = 0
        self._file = open(path, "xb")

    def write(self, offset: int, data: bytes | memoryview) -> None:
        """Append one slice, which must start where the last one ended."""
        if offset != self.received or self.received + len(data) > self.size:
            self.abort()
            raise BadInputError(self.path.name, "arrived out of order or longer than announced — choose the file again")
        self._file.write(data)
        self.received += len(data)

    @property
    def complete(self) -> bool:
        """Whether every announced byte has arrived."""
        return self.received == self.size

    def finish(self) -> Any:
        """Close the file and check it; returns what ``check`` returns."""
        self._file.close()
        try:
            return self._check(self.path)
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise

    def abort(self) -> None:
        """Stop receiving and delete what arrived."""
        self._file.close()
        self.path.unlink(missing_ok=True)


class ChunkedUpload(anywidget.AnyWidget):
    """An upload button whose file travels in slices of :data:`UPLOAD_CHUNK_BYTES`, each written
    to disk before the next is sent. ``receive(name, size)`` is asked first and returns an
    :class:`Upload` (or raises, and not a byte is sent); ``on_error(message)`` shows a refusal;
    ``done`` counts finished uploads, so a notebook observes it to show the new file.

    Notebook: 05_recommend_and_merge.ipynb
    """

    _esm = """
    export default {
      render({ model, el }) {
        const input = Object.assign(document.createElement("input"), { type: "file", accept: model.get("accept") });
        input.style.display = "none";
        const button = document.createElement("button");
        button.className = "jupyter-widgets jupyter-button widget-button";
        const icon = Object.assign(document.createElement("i"), { className: "fa fa-upload" });
        button.append(icon, " " + model.get("description"));  // as ipywidgets' own upload button
        button.title = model.get("description");
        const note = document.createElement("span");
        note.style.marginLeft = "6px";
        let file = null;
        button.onclick = () => input.click();
        input.onchange = () => {
          file = input.files[0];
          input.value = "";
          if (!file) return;
          button.disabled = true;
          note.textContent = "0 %";
          model.send({ kind: "start", name: file.name, size: file.size });
        };
        model.on("msg:custom", async (msg) => {
          if (msg.kind === "next" && file) {
            const end = Math.min(msg.offset + model.get("chunk_bytes"), file.size);
            const slice = await file.slice(msg.offset, end).arrayBuffer();
            model.send({ kind: "chunk", offset: msg.offset }, undefined, [slice]);
            note.textContent = `${Math.floor((100 * end) / Math.max(file.size, 1))} %`;
          } else if (msg.kind === "over") {
            file = null;
            button.disabled = false;
            note.textContent = "";
          }
        });
        el.append(button, input, note);
      },
    };
    """
    accept = traitlets.Unicode("").tag(sync=True)
    description = traitlets.Unicode("Upload").tag(sync=True)
    chunk_bytes = traitlets.Int(UPLOAD_CHUNK_BYTES).tag(sync=True)
    done = traitlets.Int(0)  # finished uploads, in the kernel only: observe it

    def __init__(self, receive: Callable[[str, int], Upload], on_error: Callable[[str], None], **kwargs):
        super().__init__(**kwargs)
        self._receive, self._on_error = receive, on_error
        self._upload: Upload | None = None
        self.on_msg(self._message)

    def _message(self, _widget, content: dict, buffers: list) -> None:
        @guard(self._on_error)
        def step() -> bool:
            if content.get("kind") == "start":
                if self._upload is not None:
                    self._upload.abort()
                self._upload = None
                self._upload = self._receive(str(content.get("name", "")), int(content.get("size", 0)))
            elif content.get("kind") == "chunk" and self._upload is not None:
                self._upload.write(int(content.get("offset", -1)), buffers[0] if buffers else b"")
            else:
                return False
            if not self._upload.complete:
                self.send({"kind": "next", "offset": self._upload.received})
                return True
            upload, self._upload = self._upload, None
            upload.finish()
            self.done += 1
            return False

        if not step():  # refused, failed or finished: the button is free again
            if self._upload is not None:
                self._upload.abort()
                self._upload = None
            self.send({"kind": "over"})
