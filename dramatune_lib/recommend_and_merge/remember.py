"""Stage 05 · what the app remembers between visits, kept in the visitor's own browser.

The music folder a user chose is remembered in the browser's local storage (per browser and per
server address), not in a file on the server: a class served from one machine never shares one
student's folder with the next, and the server writes nothing that visitors share.
"""

from __future__ import annotations

import anywidget
import traitlets

#: The local-storage key of the music folder (one per server address, as local storage is).
FOLDER_KEY = "dramatune.music-folder"


class BrowserMemory(anywidget.AnyWidget):
    """An invisible widget that keeps one text in the browser's local storage under ``key``.

    ``stored`` is what the browser held when the page opened (sent to the kernel once the page
    has loaded; "" if nothing); setting ``value`` from the kernel writes it to the browser. Two
    traits, so that what the page reads and what the kernel writes never echo each other.

    Notebook: 05_recommend_and_merge.ipynb
    """

    _esm = """
    export default {
      render({ model, el }) {
        const key = model.get("key");
        el.style.display = "none";
        let saved = null;
        try { saved = window.localStorage.getItem(key); } catch (e) { /* storage off: nothing remembered */ }
        if (saved !== null && model.get("stored") !== saved) { model.set("stored", saved); model.save_changes(); }
        model.on("change:value", () => {
          try { window.localStorage.setItem(key, model.get("value")); } catch (e) { /* storage off or full */ }
        });
      },
    };
    """
    key = traitlets.Unicode(FOLDER_KEY).tag(sync=True)
    stored = traitlets.Unicode("").tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)
