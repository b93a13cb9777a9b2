"""kvm-wizard export ansible: the changes of an answers file as a playbook (site.yml, its task files and its
module, library/kvm_wizard_files.py) and an example inventory.

The answers are checked as `plan` checks them on their own (the same messages; exit 1, or 2 for an unusable
file); what only a node can tell is checked on each node by the playbook's assertions. site.yml, tasks/ and
library/ are replaced on every export; an inventory.ini already there is the operator's and is kept. Only
regular files are replaced (a device, a named pipe or a symbolic link at site.yml is refused); -o names a
directory, never standard output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, STDOUT_NAME, UsageError, output_refusal


def add_arguments(parser: argparse.ArgumentParser) -> None:
    formats = parser.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    ansible = formats.add_parser(
        "ansible",
        help="a playbook and an example inventory that make the same file changes on many nodes",
        description="Write site.yml (with tasks/ and its module in library/) and inventory.ini: the same "
        "changes as `kvm-wizard apply`, made on each node of the inventory group 'compute' by kvm-wizard's own "
        "code, which the module carries.",
        epilog="Exit status: 0 written, 1 invalid answers, 2 unusable input.",
    )
    ansible.add_argument("--answers", metavar="FILE", required=True, help="the answers file (TOML)")
    ansible.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        default="kvm-wizard-ansible",
        help="where to write (default %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    from wizard.answers import AnswersError, load_answers
    from wizard.answers.load import write_text_atomically
    from wizard.export.ansible import INVENTORY, PLAYBOOK, ExportError, export_ansible
    from wizard.export.ansible_module import MODULE_PATH
    from wizard.regular_files import NotRegularFileError, check_output
    from wizard.shown import shorten_path

    try:
        parsed = load_answers(Path(args.answers))
    except AnswersError as error:
        print(str(error), file=sys.stderr)
        unusable = all(problem.path in {"", "version"} for problem in error.problems)
        return EXIT_USAGE if unusable else EXIT_PROBLEMS
    for migration in parsed.migrations:
        print(f"Migrated: {migration}")
    if args.output == STDOUT_NAME:
        raise UsageError("-o names a directory (site.yml and inventory.ini go in it), not standard output")
    try:
        export = export_ansible(parsed.answers)
    except ExportError as error:
        print(f"{shorten_path(args.answers)}: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    directory = Path(args.output)
    written = {directory / name: text for name, text in export.files().items()}
    inventory = directory / INVENTORY
    try:
        for path in (*written, inventory):
            check_output(path)
        directory.mkdir(parents=True, exist_ok=True)
        for path, text in written.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomically(path, text, mode=0o644)
        kept = inventory.exists()
        if not kept:
            write_text_atomically(inventory, export.inventory, mode=0o644)
    except NotRegularFileError as error:
        raise output_refusal("-o", error, stdout=False) from None
    except OSError as error:
        raise UsageError(f"cannot write to {shorten_path(directory)}: {error.strerror}") from None
    print(
        f"Wrote {directory / PLAYBOOK}, its tasks/ and its module {directory / MODULE_PATH}"
        + (f" (kept your {inventory})" if kept else f" and {inventory}")
    )
    print(f"  Preview: ansible-playbook -i {inventory} {directory / PLAYBOOK} --check --diff")
    return EXIT_OK
