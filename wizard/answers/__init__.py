"""The answers file: the operator's choices, their validation, and TOML reading and writing."""

from wizard.answers.load import (
    AnswerProblem,
    AnswersError,
    AnswersVersionError,
    check_values,
    dumps_answers,
    load_answers,
    parse_answers,
    save_answers,
    to_document,
)
from wizard.answers.model import (
    ANSWERS_VERSION,
    KEYS,
    KEYS_BY_PATH,
    Answers,
    CephDownloadAnswers,
    HypervisorAnswers,
    KeySpec,
    NestedAnswers,
    PerformanceAnswers,
    StorageAnswers,
    TpmAnswers,
)

__all__ = [
    "ANSWERS_VERSION",
    "KEYS",
    "KEYS_BY_PATH",
    "AnswerProblem",
    "Answers",
    "AnswersError",
    "AnswersVersionError",
    "CephDownloadAnswers",
    "HypervisorAnswers",
    "KeySpec",
    "NestedAnswers",
    "PerformanceAnswers",
    "StorageAnswers",
    "TpmAnswers",
    "check_values",
    "dumps_answers",
    "load_answers",
    "parse_answers",
    "save_answers",
    "to_document",
]
