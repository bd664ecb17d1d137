"""The logic behind the recommend-and-merge app (notebook 05, served by Voila).

The notebook only lays out widgets and wires callbacks; everything they do happens here, in an
:class:`AppSession`. Voila starts one kernel per browser tab, and each kernel makes its own
session with its own temporary folder, so tabs never see each other's files.

The stage in modules: :mod:`.session` (what each button does), :mod:`.files` (a tab's own
folder), :mod:`.remember` (what a browser keeps) and :mod:`.serve` (Voila); ``python -m
dramatune_lib.recommend_and_merge`` (``make app``) runs :mod:`.__main__`. The ranking it shows is
:mod:`dramatune_lib.matching`.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
