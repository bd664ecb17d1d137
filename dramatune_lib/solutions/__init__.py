"""Exercise solutions, for teachers: one function per exercise, named after its notebook and
number, as in the PCP notebooks (``libpcp``). Each computes the answer, returns it (a table or a
few numbers) and, with ``show=True``, says in a line or two what it shows::

    from dramatune_lib.solutions import solution_02_1
    solution_02_1(show=True)

The notebooks never import this package, so students meet the exercises before the answers. The
heavier ones (notebooks 03 and 04) train or benchmark in fast mode and take a minute or two.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
