"""The logic behind the recommend-and-merge app (notebook 05, served by Voila).

The notebook only lays out widgets and wires callbacks; everything they do happens here, in an
:class:`AppSession`. Voila starts one kernel per browser tab, and each kernel makes its own
session with its own temporary folder, so tabs never see each other's files.

The stage in modules: :mod:`.session` (what each button does) and :mod:`.serve` (Voila); ``python -m dramatune_lib.recommend_and_merge`` (``make app``) runs :mod:`.__main__`. The ranking it shows is :mod:`dramatune_lib.matching`.
"""

from .session import CLIP_NAME, MAX_UPLOAD_MB, sanitize_filename, guard, AppSession
from .serve import KERNEL_IDLE_CULL_S, KERNEL_CULL_INTERVAL_S, voila_command, server_settings
