"""Forgetting any one observation of a host never makes its verdict more confident (wizard.diagnosis.verdict).

The hosts: every demo host (assets/demo/*/facts.toml), the recordings of tests/fixtures/facts (this kind of
machine: a PVM guest) and every real recorded host of tests/host/corpus, probed.
An observation is one entry of what HostFacts records (a file, a stat, a listing, a command, an executable, a
variable) or one whole probe (CPUID, MSRs, the kernel log, the KVM API test, udev, the machine, the kernel
release, the uid, which kernel trees were live): see tests/diagnosis/forget.py.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.diagnosis.forget import all_hosts, forget, observations
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import VerdictCode
from wizard.diagnosis.verdict import CONFIDENCE


def test_every_verdict_has_its_place_in_the_order() -> None:
    assert set(CONFIDENCE) == set(VerdictCode)
    assert min(CONFIDENCE, key=CONFIDENCE.__getitem__) is VerdictCode.UNKNOWN
    assert max(CONFIDENCE, key=CONFIDENCE.__getitem__) is VerdictCode.READY
    assert [code for code, rank in CONFIDENCE.items() if rank == CONFIDENCE[VerdictCode.READY]] == [
        VerdictCode.READY
    ]


def test_the_hosts_cover_every_kind_of_verdict() -> None:
    verdicts = {diagnose(facts).verdict.code for facts in all_hosts().values()}
    assert verdicts >= {
        VerdictCode.READY,
        VerdictCode.FIXABLE,
        VerdictCode.LIMITED,
        VerdictCode.DISABLED_IN_FIRMWARE,
        VerdictCode.UNSUPPORTED,
        VerdictCode.UNKNOWN,
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_forgetting_one_fact_never_makes_a_verdict_more_confident(data: st.DataObject) -> None:
    hosts = all_hosts()
    name = data.draw(st.sampled_from(sorted(hosts)), label="host")
    facts = hosts[name]
    observation = data.draw(st.sampled_from(observations(facts)), label="forgotten")
    before = diagnose(facts).verdict
    after = diagnose(forget(facts, observation)).verdict
    assert CONFIDENCE[after.code] <= CONFIDENCE[before.code], (
        f"{name} without {observation}: {before.code} -> {after.code}: {after.summary}"
    )
