"""Engine benchmarks: check as a process, the probe, planning and round-trips on a 12,000-line nova.conf,
`plan` on nova.conf files of 1 to 10 MB (its growth), apply and rollback of four files."""

from __future__ import annotations

import configparser
import dataclasses
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.measure import Result, Sample, time_calls
from wizard.answers import Answers, CephDownloadAnswers, NestedAnswers
from wizard.apply.rollback import rollback_generation
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.files.ini import IniDocument
from wizard.host.facts import HostFacts
from wizard.host.probe import probe
from wizard.option_data import KNOWN_OPTIONS
from wizard.plan.explain import explain_plan, plain_text
from wizard.plan.model import Plan
from wizard.plan.planner import make_plan

SCENARIO = "intel-ready"
FOUR_FILE_ANSWERS = Answers(
    nested=NestedAnswers(enabled=True, cpu_mode="host-passthrough"),
    ceph_download=dataclasses.replace(CephDownloadAnswers(), enabled=True, glance_api_node=True),
)


def child_environment() -> dict[str, str]:
    # This sandbox sets PYTHONDONTWRITEBYTECODE; an installed program has its bytecode cached, so measure that.
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def process_time(argv: list[str], runs: int) -> Sample:
    environment = child_environment()

    def run() -> None:
        subprocess.run(
            argv, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )

    return time_calls(run, runs, warmup=2)


def kvm_wizard_command() -> str:
    script = Path(sys.executable).with_name("kvm-wizard")
    if not script.exists():
        raise SystemExit(f"bench: {script} not found: install the project first (./check does)")
    return str(script)


def bench_check_process(runs: int) -> Result:
    baseline = process_time([sys.executable, "-c", "pass"], runs)
    measured = process_time([kvm_wizard_command(), "check"], runs)  # the report an operator reads
    return Result("kvm-wizard check (whole process, this host)", measured, baseline, "python3 -c pass", 2.0)


def bench_probe(runs: int) -> Result:
    facts = probe(Path("/"))
    paths = [path for path, read in facts.files.items() if read.content is not None]

    def plain_reads() -> None:
        for path in paths:
            with open(path, "rb") as stream:
                stream.read()

    measured = time_calls(lambda: probe(Path("/")), runs)
    baseline = time_calls(plain_reads, runs)
    return Result(
        "probe of this host (in process)",
        measured,
        baseline,
        f"plain reads of the {len(paths)} files it reads",
        absolute_budget=0.030,
    )


def large_nova_conf() -> bytes:
    """A file shaped like nova's generated sample: every option commented out under a help block."""
    lines: list[str] = []
    sections = KNOWN_OPTIONS["nova.conf"]
    while len(lines) < 12_000:
        for section, names in sections.items():
            lines += ["", f"[{section}]", ""]
            for name in names.split():
                lines += [
                    "#",
                    f"# Help text of {name}, as the generator writes it: what the option does,",
                    "# which values it takes and what depends on it.",
                    "#",
                    "# Possible values:",
                    "#",
                    "# * A value (string value)",
                    f"#{name} = <None>",
                    "",
                ]
            if len(lines) >= 12_000:
                break
    return ("\n".join(lines[:12_000]) + "\n").encode()


@contextmanager
def demo_roots(count: int, nova_conf: bytes | None = None) -> Iterator[tuple[HostFacts, list[Path]]]:
    scenario = load_scenario(SCENARIO)
    parent = Path(tempfile.mkdtemp(prefix="kvm-wizard-bench-"))
    try:
        roots = [make_root(scenario, parent=parent) for _ in range(count)]
        if nova_conf is not None:
            for root in roots:
                (root / "etc/nova/nova.conf").write_bytes(nova_conf)
        facts = dataclasses.replace(load_demo_facts(scenario), root=str(roots[0]))
        yield facts, roots
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def bench_plan_and_round_trip(runs: int) -> list[Result]:
    data = large_nova_conf()
    text = data.decode()

    def configparser_read() -> None:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.read_string(text)

    baseline = time_calls(configparser_read, runs)
    round_trip = time_calls(lambda: IniDocument.parse(data).to_bytes(), runs)
    with demo_roots(1, data) as (facts, roots):
        plan = time_calls(lambda: make_plan(facts, FOUR_FILE_ANSWERS, roots[0]), runs)
    label = f"configparser reading the same {text.count(chr(10))}-line file"
    return [
        Result("plan on a 12,000-line nova.conf", plan, baseline, label, absolute_budget=0.050),
        Result("round trip (parse + write) of it", round_trip, baseline, label, absolute_budget=0.020),
    ]


NOVA_SAMPLE = Path(__file__).resolve().parents[1] / "tests/fixtures/configs/nova-34.0.0.conf.sample.full.gz"
PLAN_SIZES_MB = (1, 2, 5, 10)


def sized_nova_conf(megabytes: float) -> bytes:
    """nova 34's generated sample (full help text) repeated to ``megabytes``: repeated sections, and lines
    that repeat thousands of times ("#", help text), as in the adversarial run's 10 MB nova.conf."""
    sample = gzip.decompress(NOVA_SAMPLE.read_bytes())
    target = int(megabytes * 1024 * 1024)
    data = (sample * (target // len(sample) + 1))[:target]
    return data[: data.rfind(b"\n") + 1]


def bench_plan_sizes(runs: int) -> list[Result]:
    """`plan` as the command does it (the plan, its explained diff, the text) on 1, 2, 5 and 10 MB."""
    results = []
    for megabytes in PLAN_SIZES_MB:
        data = sized_nova_conf(megabytes)
        text = data.decode()
        count = max(3, runs // megabytes)  # fewer runs of the larger files: each takes seconds at worst

        def configparser_read(text: str = text) -> None:
            parser = configparser.RawConfigParser(strict=False, interpolation=None)
            parser.read_string(text)

        with demo_roots(1, data) as (facts, roots):

            def plan(root: Path = roots[0], facts: HostFacts = facts) -> None:
                outcome = make_plan(facts, FOUR_FILE_ANSWERS, root)
                if outcome.plan is None:
                    raise SystemExit(f"bench: no plan: {outcome.problems}")
                plain_text(explain_plan(outcome.plan, live=False))

            measured = time_calls(plan, count)
        baseline = time_calls(configparser_read, count)
        results.append(
            Result(
                f"plan with its explained diff, nova.conf of {megabytes} MB",
                measured,
                baseline,
                "configparser reading the same file",
                absolute_budget=5.0,
            )
        )
    return results


def _plain_atomic_writes(root: Path, plan: Plan) -> None:
    for edit in plan.edits:
        target = root / edit.written_path.lstrip("/")
        temporary = target.with_name(f".{target.name}.bench")
        with open(temporary, "wb") as stream:
            stream.write(edit.after)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def bench_apply_and_rollback(runs: int) -> list[Result]:
    with demo_roots(runs * 3 + 3) as (facts, roots):
        outcome = make_plan(facts, FOUR_FILE_ANSWERS, roots[0])
        if outcome.plan is None or len(outcome.plan.edits) != 4:
            raise SystemExit(f"bench: expected a plan of four files, got {outcome.problems or outcome.plan}")
        plan = outcome.plan
        runner = CommandRunner()
        apply_roots = iter(roots[: runs + 1])
        rollback_roots = roots[runs + 1 : 2 * runs + 2]
        plain_roots = iter(roots[2 * runs + 2 :])
        for root in rollback_roots:
            apply_plan(plan, root, runner=runner)
        pending = iter(rollback_roots)
        applied = time_calls(lambda: apply_plan(plan, next(apply_roots), runner=runner), runs)
        rolled_back = time_calls(lambda: rollback_generation(next(pending), 1, runner=runner), runs)
        baseline = time_calls(lambda: _plain_atomic_writes(next(plain_roots), plan), runs)
    label = "plain atomic writes of the same four files (fsync + rename)"
    return [
        Result(
            "apply of four files (snapshot, journal, verify)", applied, baseline, label, absolute_budget=0.100
        ),
        Result("rollback of that apply", rolled_back, baseline, label, absolute_budget=0.050),
    ]
