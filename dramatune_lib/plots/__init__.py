"""Every figure DramaTune draws. Each function returns a matplotlib Figure, so the notebooks,
the app and the tests use the same drawing code. Figures are made without pyplot, so no global
figure state builds up and a notebook shows each figure once.

Every figure of the course lives in this one package, one module per subject: :mod:`.circumplex`,
:mod:`.scene`, :mod:`.music`, :mod:`.fit`, and :mod:`.live`, the app's interactive circumplex
(bqplot; imported on its own, so the figures need no widget library).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
