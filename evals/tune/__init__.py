"""Policy tuning: one optuna study per content type, tracked in mlflow, exported as a policy.

The search space comes from the policy schema; objectives are token savings (up), fact
retention (up) and compression latency (down), under the hard constraint that retention
drops at most δ below the baseline policy's.
"""

from evals.tune._corpus import CONTENT_TYPES, ContentType, CorpusFile, Fact, content_type, study_files
from evals.tune._export import DEFAULT_EXPORT_DIR, Export, export_study, load_study, tuned_policy
from evals.tune._objective import Evaluator, FileScore, Totals
from evals.tune._pareto import Point, choose, front
from evals.tune._space import ParamSpec, apply, defaults, section_space
from evals.tune._study import DEFAULT_OUT, StudyRun, TuneSettings, run_study

__all__ = [
    "CONTENT_TYPES",
    "ContentType",
    "CorpusFile",
    "DEFAULT_EXPORT_DIR",
    "DEFAULT_OUT",
    "Evaluator",
    "Export",
    "Fact",
    "FileScore",
    "ParamSpec",
    "Point",
    "StudyRun",
    "Totals",
    "TuneSettings",
    "apply",
    "choose",
    "content_type",
    "defaults",
    "export_study",
    "front",
    "load_study",
    "run_study",
    "section_space",
    "study_files",
    "tuned_policy",
]
