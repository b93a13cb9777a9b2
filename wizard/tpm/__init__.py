"""TPM 2.0: detect the host's TPM, verify it through tpm2-tools, and assess Nova's vTPM for guests."""

from wizard.tpm.detect import DeviceNode, TpmDetection, TpmDevice, TpmKind, detect_tpm
from wizard.tpm.parse import DictionaryAttackState, PcrBank, TpmIdentity
from wizard.tpm.status import STATUS_SCHEMA, TpmStatus, build_status, status_to_json, verification_plan
from wizard.tpm.tools import (
    PackageInstall,
    Tpm2Tools,
    detect_tools,
    package_manager,
    swtpm_install,
    tools_install,
)
from wizard.tpm.tss import Failure, FailureKind, Tcti, explain_failure, tcti_from_environment
from wizard.tpm.verify import (
    STEPS,
    ProgressCallback,
    StepProgress,
    StepResult,
    StepStatus,
    Verification,
    verify_tpm,
)
from wizard.tpm.vtpm import VtpmAssessment, assess_vtpm

__all__ = [
    "STATUS_SCHEMA",
    "STEPS",
    "DeviceNode",
    "DictionaryAttackState",
    "Failure",
    "FailureKind",
    "PackageInstall",
    "PcrBank",
    "ProgressCallback",
    "StepProgress",
    "StepResult",
    "StepStatus",
    "Tcti",
    "Tpm2Tools",
    "TpmDetection",
    "TpmDevice",
    "TpmIdentity",
    "TpmKind",
    "TpmStatus",
    "Verification",
    "VtpmAssessment",
    "assess_vtpm",
    "build_status",
    "detect_tools",
    "detect_tpm",
    "explain_failure",
    "package_manager",
    "status_to_json",
    "swtpm_install",
    "tcti_from_environment",
    "tools_install",
    "verification_plan",
    "verify_tpm",
]
