"""The detached confirm-or-revert watcher: ``python -m wizard.apply.watcher --root DIR --generation N``.

It outlives the wizard (its own session, double fork, stdio on /dev/null) and reverts when the deadline
in ROOT/var/lib/kvm-wizard/pending-confirm.toml passes without confirmation. Only standard modules are
imported before the fork, so the wizard that starts it waits a few milliseconds, not a whole import.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence

POLL = 0.5  # seconds between looks at the pending file: a confirm from any console stops us within this


def _detach() -> None:
    """Fork once more (we are already a session leader) and hand our parent the daemon's pid."""
    child = os.fork()
    if child:
        sys.stdout.write(f"{child}\n")
        sys.stdout.flush()
        os._exit(0)
    os.chdir("/")
    os.umask(0o077)
    null = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(null, stream)
    os.close(null)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def watch(root: str, generation: int) -> int:
    from wizard.apply.confirm import enforce_deadline
    from wizard.apply.log import ActivityLog
    from wizard.apply.pending import PendingFileError, read_pending, seconds_left
    from wizard.apply.state import state_paths

    paths = state_paths(root)
    log = ActivityLog(paths.root, "watcher")
    log.write(f"watching the confirmation of generation {generation}")
    try:
        while True:
            pending = read_pending(paths)
            if pending is None or pending.generation != generation:
                log.write(f"generation {generation}: confirmed or reverted; the watcher stops")
                return 0
            left = seconds_left(pending)
            if left <= 0:
                outcome = enforce_deadline(root, wait=None)
                if outcome is not None:
                    log.write(outcome.message)
                return 0
            time.sleep(min(left, POLL))
    except PendingFileError as error:
        log.write(f"cannot read the pending confirmation: {error}; nothing is reverted automatically")
        return 1
    except Exception as error:  # noqa: BLE001 - nobody sees our stderr: the log is the only place to say it
        log.write(f"the watcher failed: {type(error).__name__}: {error}")
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wizard.apply.watcher")
    parser.add_argument("--root", required=True)
    parser.add_argument("--generation", type=int, required=True)
    parser.add_argument("--foreground", action="store_true", help="do not fork (tests, service managers)")
    args = parser.parse_args(argv)
    if not args.foreground:
        _detach()
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
    return watch(args.root, args.generation)


if __name__ == "__main__":
    sys.exit(main())
