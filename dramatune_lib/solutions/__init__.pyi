"""Type stub of the stage: the names it offers, for type checkers and for lazy_loader."""

from .s01_dataset_prep import solution_01_1, solution_01_2, solution_01_3
from .s02_feature_extraction import solution_02_1, solution_02_2, solution_02_3, solution_02_4
from .s03_training import solution_03_1, solution_03_2, solution_03_3
from .s04_evaluation import solution_04_1, solution_04_2, solution_04_3
from .s05_recommend_and_merge import solution_05_1, solution_05_2, solution_05_3
from .s06_compose import solution_06_1, solution_06_2, solution_06_3
from .s07_fit_and_export import solution_07_1, solution_07_2, solution_07_3

__all__ = [
    "solution_01_1",
    "solution_01_2",
    "solution_01_3",
    "solution_02_1",
    "solution_02_2",
    "solution_02_3",
    "solution_02_4",
    "solution_03_1",
    "solution_03_2",
    "solution_03_3",
    "solution_04_1",
    "solution_04_2",
    "solution_04_3",
    "solution_05_1",
    "solution_05_2",
    "solution_05_3",
    "solution_06_1",
    "solution_06_2",
    "solution_06_3",
    "solution_07_1",
    "solution_07_2",
    "solution_07_3",
]
