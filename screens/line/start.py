"""Welcome and Host check in lines, and the demo picker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens.line.ask import Choice, LineIO
from screens.line.view import LineView
from screens.registry import StepExit
from screens.session import Banner, Mode
from screens.steps.findings import problems_first, row, setup_can_toggle, setup_fix_mark
from screens.steps.host_check import HostCheckResult, KnownHost, detect, detecting, fixes_in, verdict
from screens.steps.said import Said
from screens.steps.welcome import (
    HOLDS,
    LINE_WILL,
    SETTLE_LABELS,
    WONT,
    Settle,
    WelcomeResult,
    describe,
    offers,
    reported,
    settle,
    start_check,
    where,
)
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.demo import Scenario


def pick_demo(io: LineIO, scenarios: list[Scenario]) -> Scenario | None:
    """The demo picker: every recorded host numbered with what it shows; None: the operator quit."""
    io.help = "welcome"
    io.heading("Pick a demo host - DEMO")
    io.say(
        "Recorded servers: the wizard works on a throwaway copy of one, needs no root and changes nothing "
        "else."
    )
    choices = [Choice(item, f"{item.name:20} {item.title}") for item in scenarios]
    return io.choose("Demo hosts:", choices, scenarios[0], back=False)


class WelcomeLines(LineView[WelcomeResult]):
    HELP = "welcome"
    SNAPSHOTS = False

    def __init__(self, banner: Banner, mode: Mode, source: HostSource) -> None:
        super().__init__(banner)
        self.mode = mode
        self.source = source

    def run(self, io: LineIO) -> StepExit[WelcomeResult]:
        self.start(io)
        io.say("kvm-wizard will:", *LINE_WILL.splitlines(), "It will not:", *WONT.splitlines())
        io.say("Looking for unfinished work...")
        source, report = start_check(self.source)
        io.say(*(f"{title} {text}" for title, text in where(self.mode, source)))
        found = describe(report)
        io.say(*(found or [Said("Nothing unfinished was found.")]))
        reported(source, report)
        while offers(report):
            ways = offers(report)
            choices: list[Choice[Settle | None]] = [Choice(how, SETTLE_LABELS[how]) for how in ways]
            if report.unfinished is None:
                choices.append(Choice(None, "Leave it and go on"))
            else:
                io.say(Said(HOLDS, "warn"))
            how = io.choose("What now?", choices, None if report.unfinished is None else ways[0], back=False)
            if how is None:
                break
            io.say("Working...")
            text, report = settle(source, how)
            io.say(text, *(describe(report) or [Said("Nothing unfinished is left.")]))
        io.say("This is the first step.")
        io.go_on(back=False)
        return StepExit("next", WelcomeResult(source))


class HostCheckLines(LineView[HostCheckResult]):
    HELP = "host_check"

    def __init__(
        self,
        banner: Banner,
        source: HostSource,
        known: KnownHost | None,
        in_plan: frozenset[str],
        *,
        want_answers: bool,
    ) -> None:
        super().__init__(banner)
        self.source = source
        self.known = known
        self.in_plan = in_plan
        self.want_answers = want_answers

    def run(self, io: LineIO) -> StepExit[HostCheckResult]:
        self.start(io)
        answers = None
        host = self.known
        if host is None:
            io.say(Said(detecting(self.source, 0).rsplit(" (", 1)[0] + "...", "run"))
            found = detect(self.source, want_answers=self.want_answers)
            host, answers = found.host, found.answers
            if answers is not None:
                self.in_plan = fixes_in(answers)
            io.say(Said(verdict(host.diagnosis).text, verdict(host.diagnosis).word))
            if found.origin:
                io.say(found.origin)
        else:
            io.say(verdict(host.diagnosis))
        findings = problems_first(host.diagnosis.findings)
        choices: dict[str, bool] = {}
        while True:
            chosen = {fix for fix in self.in_plan if choices.get(fix, True)}
            chosen |= {fix for fix, on in choices.items() if on}
            io.say("", "Findings, problems first:")
            io.say(*(row(finding, setup_fix_mark(finding, chosen)) for finding in findings))
            toggles = [finding for finding in findings if setup_can_toggle(finding)]
            if not toggles:
                io.go_on()
                break
            io.say("Fixes that can go into the plan (a number adds or removes one):")
            for number, finding in enumerate(toggles, 1):
                fix = finding.remedy.plan_fix if finding.remedy else ""
                io.say(f"  {number}) [{'X' if fix in chosen else ' '}] {fix}: {finding.title}")
            answer = (io.line(f"Number, or {io.keys()} >") or "").strip()
            if not answer:
                break
            if answer.isdigit() and 1 <= int(answer) <= len(toggles):
                remedy = toggles[int(answer) - 1].remedy
                fix = remedy.plan_fix if remedy is not None else None
                if fix:
                    choices[fix] = fix not in chosen
                continue
            io.say(Said(f"{answer!r} is not one of the numbers 1 to {len(toggles)}.", "fail"))
        return StepExit("next", HostCheckResult(host.facts, host.diagnosis, answers, choices))
