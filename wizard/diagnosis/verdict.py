"""The verdict: one word and a summary from the findings, never more certain than what was observed.

The KVM API probe decides usability; every other finding explains. When KVM works the verdict is ``fixable``
(a setup step is missing for Nova), ``limited`` (it works with a restriction) or ``ready``; it is never
``unsupported`` or ``disabled-in-firmware``. When it does not work: ``unsupported`` (no hardware virtualization
is possible here), then ``disabled-in-firmware``, then ``fixable``. ``unknown`` when what the verdict rests on
was not observed (the architecture, the CPU's virtualization, the modules, /dev/kvm, who may open it): its
summary says what is known, what is not, and the one thing to run that would tell.
"""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact
from wizard.diagnosis.checks.context import Context, find_out
from wizard.diagnosis.findings import Verdict, VerdictCode
from wizard.host.kernel import KvmUsability
from wizard.host.platform import ArchFamily, Vendor
from wizard.host.profile import HostProfile

# How much each verdict claims to know, least first. Forgetting an observation may only move a verdict down
# this order (tests/diagnosis/test_confidence.py): `unknown` judges nothing; the problem verdicts judge what
# was seen to be wrong; `ready` also says that nothing that could be wrong went unseen.
CONFIDENCE: dict[VerdictCode, int] = {
    VerdictCode.UNKNOWN: 0,
    VerdictCode.FIXABLE: 1,
    VerdictCode.LIMITED: 1,
    VerdictCode.DISABLED_IN_FIRMWARE: 1,
    VerdictCode.UNSUPPORTED: 1,
    VerdictCode.READY: 2,
}


def describe_host(profile: HostProfile) -> str:
    platform = profile.platform
    vendor = {
        Vendor.INTEL: "Intel",
        Vendor.AMD: "AMD",
        Vendor.IBM_POWER: "POWER",
        Vendor.IBM_S390: "IBM Z",
    }.get(platform.vendor, "")
    arch = platform.arch_name if platform.family is not ArchFamily.UNKNOWN else "unknown-architecture"
    return f"{vendor} {arch}".strip()


def join(reasons: list[str]) -> str:
    unique = list(dict.fromkeys(reasons))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def verdict(context: Context, assessments: list[Assessment]) -> Verdict:
    profile = context.profile
    reasons: dict[Impact, list[str]] = {impact: [] for impact in Impact}
    for item in assessments:
        if item.impact is not None:
            reasons[item.impact].append(item.reason)
    host = describe_host(profile)
    works = context.kvm_works
    unknown = reasons[Impact.UNKNOWN]
    if not works and not context.capability_known and not any(context.vt_name in item for item in unknown):
        unknown.insert(0, f"whether this host has {context.vt_name}")
    if works:
        restrictions = reasons[Impact.RESTRICTION] + reasons[Impact.UNSUPPORTED]
        through = " through PVM" if profile.pvm_active else ""
        if unknown:
            known = f"KVM works on this {host} host{through} (a test VM was created)"
            return _unknown(context, known, "whether Nova can use it", unknown, reasons)
        if reasons[Impact.FIXABLE]:
            later = f" It then works with restrictions: {join(restrictions)}." if restrictions else ""
            return Verdict(
                VerdictCode.FIXABLE,
                f"KVM works on this {host} host{through}, but setup is missing: {join(reasons[Impact.FIXABLE])}. "
                f"The remedies below fix it.{later}",
            )
        if restrictions:
            return Verdict(
                VerdictCode.LIMITED,
                f"KVM works on this {host} host, with restrictions: {join(restrictions)}.",
            )
        return Verdict(
            VerdictCode.READY,
            f"KVM is ready on this {host} host: the KVM API created a test VM and {profile.qemu_user} "
            "can open /dev/kvm.",
        )
    if reasons[Impact.UNSUPPORTED]:
        return Verdict(
            VerdictCode.UNSUPPORTED,
            f"KVM cannot work on this {host} host: {join(reasons[Impact.UNSUPPORTED])}. Nova could only emulate "
            "(virt_type = qemu, very slow); kvm-wizard never chooses that silently.",
        )
    if reasons[Impact.FIRMWARE]:
        return Verdict(
            VerdictCode.DISABLED_IN_FIRMWARE,
            f"This {host} host has {context.vt_name}, but the firmware keeps it switched off: enable "
            f"{context.firmware_setting} in the firmware setup and power-cycle.",
        )
    if unknown:
        known = "KVM did not work in the test" if works is False else "The KVM API was not tested"
        return _unknown(
            context, f"{known} on this {host} host", "whether KVM can work here", unknown, reasons
        )
    if reasons[Impact.FIXABLE]:
        return Verdict(
            VerdictCode.FIXABLE,
            f"The hardware of this {host} host can run KVM, but setup is missing: {join(reasons[Impact.FIXABLE])}. "
            "The remedies below fix it.",
        )
    if works is False:
        return Verdict(
            VerdictCode.FIXABLE,
            f"KVM does not work on this {host} host and the cause is not clear: the KVM API probe failed "
            f"({profile.kvm.error or 'no detail'}). The findings below show what was checked.",
        )
    if profile.kvm.usability is KvmUsability.NOT_PROBED:
        not_probed = f" (the KVM API itself was not probed: {profile.source})"
    else:
        not_probed = f" (the KVM API was not tested: uid {profile.euid} may not open /dev/kvm; run as root)"
    if reasons[Impact.RESTRICTION]:
        return Verdict(
            VerdictCode.LIMITED,
            f"KVM should work on this {host} host, with restrictions: {join(reasons[Impact.RESTRICTION])}"
            f"{not_probed}.",
        )
    return Verdict(
        VerdictCode.READY,
        f"Everything recorded says KVM is ready on this {host} host{not_probed}.",
    )


def _unknown(
    context: Context, known: str, question: str, unknown: list[str], reasons: dict[Impact, list[str]]
) -> Verdict:
    """What is known, what is not, and how to find out."""
    also = ""
    if reasons[Impact.FIXABLE]:
        also = f" Known to be missing: {join(reasons[Impact.FIXABLE])}."
    return Verdict(
        VerdictCode.UNKNOWN,
        f"{known}; what was seen does not tell {question}. Not known: {join(unknown)}.{also} "
        f"To find out, {find_out(context.profile)}.",
    )
