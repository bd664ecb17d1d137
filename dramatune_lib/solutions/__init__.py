"""Exercise solutions, for teachers: one function per exercise, named after its notebook and
number, as in the PCP notebooks (``libpcp``). Each computes the answer, returns it (a table or a
few numbers) and, with ``show=True``, says in a line or two what it shows::

    from dramatune_lib.solutions import solution_02_1
    solution_02_1(show=True)

The notebooks never import this package, so students meet the exercises before the answers. The
heavier ones (notebooks 03 and 04) train or benchmark in fast mode and take a minute or two.
"""

from .s01_dataset_prep import solution_01_1, solution_01_2, solution_01_3
from .s02_feature_extraction import solution_02_1, solution_02_2, solution_02_3, solution_02_4
from .s03_training import solution_03_1, solution_03_2, solution_03_3
from .s04_evaluation import solution_04_1, solution_04_2, solution_04_3
from .s05_recommend_and_merge import solution_05_1, solution_05_2, solution_05_3
from .s06_compose import solution_06_1, solution_06_2, solution_06_3
from .s07_fit_and_export import solution_07_1, solution_07_2, solution_07_3
