"""The composition root: parses the command line, runs headless commands, starts the TUI.

Each command lives in its own module under wizard.cli and is imported only when chosen, so that headless
commands never import Textual and start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.cli.common import EXIT_USAGE, UsageError, run_guarded
from wizard.cli.output import safe_streams

# command name -> module under wizard.cli that defines add_arguments(parser) and run(args) -> int
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("wizard.cli.check", "diagnose this host (or a recording) for KVM and Nova"),
    "plan": ("wizard.cli.plan", "show the changes an answers file would make, change nothing"),
    "apply": ("wizard.cli.apply", "apply an answers file as one transaction, with snapshot and rollback"),
    "confirm": ("wizard.cli.confirm", "confirm the last apply before its revert deadline"),
    "recover": ("wizard.cli.recover", "finish or roll back an apply that was interrupted"),
    "snapshots": ("wizard.cli.snapshots", "list, show, compare and roll back generations"),
    "tpm": ("wizard.cli.tpm", "TPM 2.0 status and verification with tpm2-tools"),
    "attest": ("wizard.cli.attest", "a TPM quote over the applied generation, and its verification"),
    "rescue": ("wizard.cli.rescue", "open the wizard on its troubleshooting view (or fix headless)"),
    "bundle": ("wizard.cli.bundle", "write a support bundle with every secret masked"),
    "answers": ("wizard.cli.answers", "write a commented answers template, or check an answers file"),
    "export": ("wizard.cli.export", "export the changes for many nodes (Ansible)"),
}


def _chosen_command(arguments: Sequence[str]) -> str | None:
    """The command named on the command line, found without importing any command module."""
    for word in arguments:
        if word in COMMANDS:
            return word
    return None


def _names_a_command(arguments: Sequence[str]) -> bool:
    """Whether the command line has a word that could be a command (or asks for help). Without one, the
    wizard itself starts, and the parser needs no sub-parsers: they cost the first frame time."""
    takes_value = {"--demo", "--root", "--facts", "--confirm-timeout"}
    previous = ""
    for word in arguments:
        if word in ("-h", "--help") or (not word.startswith("-") and previous not in takes_value):
            return True
        previous = word
    return False


def build_parser(chosen: str | None = None, *, commands: bool = True) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (headless commands start fast)."""
    parser = argparse.ArgumentParser(
        prog="kvm-wizard",
        description=(
            "Turn this Linux host into an OpenStack Nova compute node on KVM, safely: detect what the host can "
            "do, choose, preview every change as a diff with its reason, apply it as one transaction, undo it."
        ),
        epilog="Exit status: 0 success, 1 problems found / validation failed / apply rolled back, 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"kvm-wizard {__version__}")
    add_ui_arguments(parser)
    if not commands:
        return parser
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(handler=module.run)
            _accept_no_color(sub)
    return parser


def _accept_no_color(parser: argparse.ArgumentParser) -> None:
    """--no-color on every command and subcommand (`kvm-wizard snapshots list --no-color`, `recover
    --no-color`): the option the README promises everywhere, whether or not the command paints."""
    if "--no-color" not in parser._option_string_actions:
        parser.add_argument(
            "--no-color",
            action="store_true",
            default=argparse.SUPPRESS,  # a subcommand's default must not undo the command's --no-color
            help="no colour (the NO_COLOR variable does the same)",
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _accept_no_color(sub)


def add_ui_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the interactive wizard itself (``kvm-wizard`` with no command).

    They are stored under their own names so that a command's options of the same name (``kvm-wizard --root X
    check``) do not silently replace them; main() hands them to the command when it has none of its own.
    """
    parser.add_argument(
        "--demo",
        dest="top_demo",
        nargs="?",
        const="",
        metavar="SCENARIO",
        help="run the wizard on a recorded host in a throwaway root (no root needed); without a name, pick one",
    )
    parser.add_argument(
        "--root", dest="top_root", metavar="DIR", help="read and write the system's files under DIR"
    )
    parser.add_argument(
        "--facts", dest="top_facts", metavar="FILE", help="use a recorded host instead of probing"
    )
    parser.add_argument(
        "--no-color",
        dest="top_no_color",
        action="store_true",
        help="no colour (the NO_COLOR variable does the same)",
    )
    parser.add_argument(
        "--line",
        dest="top_line",
        action="store_true",
        help="the line mode: plain lines, one question at a time (chosen by itself for TERM=dumb, a terminal "
        "type terminfo does not know, or an output that is not a terminal)",
    )

    def seconds(text: str) -> float:
        # As `apply --confirm-timeout` checks it; that command's module is not imported to start the wizard.
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not value > 0:
            raise argparse.ArgumentTypeError("the confirm timeout must be more than 0 seconds")
        return value

    confirm = parser.add_mutually_exclusive_group()
    confirm.add_argument(
        "--confirm-timeout",
        dest="top_confirm_timeout",
        type=seconds,
        metavar="S",
        help="revert an apply or rollback made in the wizard unless confirmed within S seconds (default 120)",
    )
    confirm.add_argument(
        "--no-confirm",
        dest="top_no_confirm",
        action="store_true",
        help="keep what the wizard applies without confirm-or-revert",
    )


_SHARED = ("root", "facts", "demo", "no_color", "line")


def _merge_shared_options(args: argparse.Namespace) -> None:
    """Give a command the wizard-level --root/--facts/--demo/--no-color it was not given itself, and the
    confirm choice (--no-confirm or --confirm-timeout) when it made none of its own."""
    for name in _SHARED:
        top = getattr(args, f"top_{name}")
        if top in (None, False):
            continue
        if getattr(args, "command", None) and not hasattr(args, name) and name != "no_color":
            # Ignoring it would act on another host than the one named: `kvm-wizard --demo X confirm`.
            option = "--" + name.replace("_", "-")
            raise UsageError(f"{option} does not apply to `kvm-wizard {args.command}`; see its --help")
        if not hasattr(args, name) or getattr(args, name) in (None, False):
            setattr(args, name, top)
    # One choice, taken whole: a command's --confirm-timeout must not meet the wizard-level --no-confirm.
    confirm = ("no_confirm", "confirm_timeout")
    if all(getattr(args, name, None) in (None, False) for name in confirm):
        for name in confirm:
            setattr(args, name, getattr(args, f"top_{name}"))


# Options that name a file or a directory, by their argparse destination, and how the operator wrote them.
_PATH_OPTIONS = {
    "root": "--root",
    "facts": "--facts",
    "answers": "--answers",
    "output": "-o",
    "file": "FILE",
    "save_facts": "--save-facts",
}
PATH_MAX, NAME_MAX = 4095, 255  # Linux's limits (ENAMETOOLONG past them)


def _check_path_lengths(args: argparse.Namespace) -> None:
    """A path the system could not even look up is refused here, named short: `--root` of 100,000
    characters is an input error, not an internal one, and is never echoed in full."""
    for name, option in _PATH_OPTIONS.items():
        value = getattr(args, name, None)
        if not isinstance(value, str):
            continue
        longest = max((len(part.encode()) for part in value.split("/")), default=0)
        if len(value.encode()) > PATH_MAX or longest > NAME_MAX:
            raise UsageError(
                f"{option} {value[:60]}…: the path is too long ({len(value):,} characters; "
                f"the system allows {PATH_MAX:,} in all and {NAME_MAX} per name)"
            )


def main(argv: Sequence[str] | None = None) -> int:
    # Everything printed goes through the one output layer (wizard.cli.output): safe on a terminal, and a
    # reader that goes away (`| head`) never cuts the work short.
    with safe_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_chosen_command(arguments), commands=_names_a_command(arguments))
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_request:  # argparse exits 2 on usage errors and 0 on --help/--version
        return int(exit_request.code or 0)
    try:
        _merge_shared_options(args)
        _check_path_lengths(args)
    except UsageError as error:
        print(f"kvm-wizard: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    handler = getattr(args, "handler", None)
    if handler is None:
        return run_guarded(_run_wizard, args)
    return run_guarded(handler, args)


def _run_wizard(args: argparse.Namespace) -> int:
    from wizard.cli import tui  # lazy, as each command's module: a headless command never loads the launcher

    return tui.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["EXIT_USAGE", "build_parser", "main"]
