"""Policy tuning: optuna studies of policy sections, tracked in mlflow, exported as policies.

One :class:`Study` base (one module per kind) behind one runner, one summary, one exporter and
one tracker. Corpus studies (one per compressor that declares a tuned section, plugins too)
maximise token savings and fact retention and minimise latency, under the hard constraint
that retention drops at most δ below the baseline policy's; the shaping study minimises
output tokens at a bounded loss of answer quality; the session study replays whole agent
sessions and minimises their cache-priced cost while the share of later-used facts kept
verbatim stays within δ of the baseline's. The search space comes from the schema.
"""

from evals.tune._base import Outcome, Pruned, Study, StudyRun, StudySettings
from evals.tune._corpus import ContentType, CorpusFile, Fact, content_type, content_types, study_files
from evals.tune._corpus_study import CorpusStudy, TuneSettings, run_study
from evals.tune._defaults import DEFAULT_DELTA, DEFAULT_EXPORT_DIR, DEFAULT_OUT
from evals.tune._export import Export, export_study, load_study, tuned_policy
from evals.tune._objective import Evaluator, FileScore, Totals
from evals.tune._pareto import Point, choose, front
from evals.tune._runner import run
from evals.tune._session_study import SessionStudy, SessionTuneSettings, run_session_study
from evals.tune._shaping_study import ShapingSettings, ShapingStudy
from evals.tune._space import ParamSpec, apply, defaults, section_space

__all__ = [
    "ContentType",
    "CorpusFile",
    "CorpusStudy",
    "DEFAULT_DELTA",
    "DEFAULT_EXPORT_DIR",
    "DEFAULT_OUT",
    "Evaluator",
    "Export",
    "Fact",
    "FileScore",
    "Outcome",
    "ParamSpec",
    "Point",
    "Pruned",
    "SessionStudy",
    "SessionTuneSettings",
    "ShapingSettings",
    "ShapingStudy",
    "Study",
    "StudyRun",
    "StudySettings",
    "Totals",
    "TuneSettings",
    "apply",
    "choose",
    "content_type",
    "content_types",
    "defaults",
    "export_study",
    "front",
    "load_study",
    "run",
    "run_session_study",
    "run_study",
    "section_space",
    "study_files",
    "tuned_policy",
]
