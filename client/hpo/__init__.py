"""Hyperparameter optimization as a workflow template: every trial is a launch of the trainer
(`trials.cwl`) on a Wonderland engine, embedded or a server.

- `optimize(space, model, data, ...)`: a study with hyperopt (tpe, random), scikit-optimize
  (gp, forest) or Optuna (optuna-tpe, optuna-random, optuna-cmaes); returns a `StudyResult`.
- `WonderlandTrials` and `objective`: hyperopt's own `fmin` with its trials run through
  Wonderland, as with hyperopt's SparkTrials.
"""

from wonderland.client.hpo.errors import OptimizeError, StudyError
from wonderland.client.hpo.hyperopt_trials import WonderlandTrials
from wonderland.client.hpo.objective import Objective, objective
from wonderland.client.hpo.optimizers import ALGOS
from wonderland.client.hpo.results import StudyResult, TrialRecord, TrialState
from wonderland.client.hpo.space import SearchSpace, parse_space
from wonderland.client.hpo.study import optimize

__all__ = ["ALGOS", "Objective", "OptimizeError", "SearchSpace", "StudyError", "StudyResult",
           "TrialRecord", "TrialState", "WonderlandTrials", "objective", "optimize",
           "parse_space"]
