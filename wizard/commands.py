"""The command runner: the one way kvm-wizard starts programs (argument lists, timeouts, streamed output)."""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

LineCallback = Callable[[str, str], None]  # (stream name "stdout"/"stderr", line without newline)


@dataclass(frozen=True)
class CommandResult:
    """What a command did. ``returncode`` is None when it could not start, timed out or was dry-run."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str = ""
    stderr: str = ""
    error: str | None = None  # why it did not run to completion: "not installed", "timed out after 5 s"
    duration: float = 0.0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def display(self) -> str:
        return shlex.join(self.argv)

    def describe_failure(self) -> str:
        """One line that says why the command failed, for the operator."""
        if self.error:
            return f"{self.display}: {self.error}"
        detail = (self.stderr.strip() or self.stdout.strip()).splitlines()
        last = detail[-1] if detail else "no output"
        return f"{self.display}: exit status {self.returncode}: {last}"


@dataclass
class CommandRunner:
    """Runs argument lists, never shell strings.

    ``dry_run`` prints (through ``on_line``) and records the commands instead of running them.
    ``log`` receives every command and every output line, already masked by the caller's log sink.
    """

    dry_run: bool = False
    default_timeout: float = 60.0
    env: Mapping[str, str] | None = None
    log: Callable[[str], None] | None = None
    history: list[CommandResult] = field(default_factory=list)

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = None,
        on_line: LineCallback | None = None,
        env: Mapping[str, str] | None = None,
        input_text: str | None = None,
    ) -> CommandResult:
        args = tuple(argv) if not isinstance(argv, str | bytes) else ()
        if not args or not all(isinstance(part, str) for part in args):
            raise TypeError("a command is a non-empty list of strings")
        self._log(f"$ {shlex.join(args)}")
        if self.dry_run:
            result = CommandResult(args, None, dry_run=True, error="dry run: not executed")
            if on_line is not None:
                on_line("stdout", f"would run: {shlex.join(args)}")
            self.history.append(result)
            return result
        result = self._execute(args, timeout or self.default_timeout, on_line, env, input_text)
        if result.error:
            self._log(f"  {result.error}")
        else:
            self._log(f"  exit status {result.returncode}")
        self.history.append(result)
        return result

    def _log(self, line: str) -> None:
        if self.log is not None:
            self.log(line)

    def _environment(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        merged = dict(os.environ)
        if self.env:
            merged.update(self.env)
        if extra:
            merged.update(extra)
        # Programs must answer in a language the wizard can parse and the operator can search for.
        merged["LC_ALL"] = "C"
        return merged

    def _execute(
        self,
        args: tuple[str, ...],
        timeout: float,
        on_line: LineCallback | None,
        env: Mapping[str, str] | None,
        input_text: str | None,
    ) -> CommandResult:
        started = time.monotonic()
        environment = self._environment(env)
        if shutil.which(args[0], path=environment.get("PATH")) is None and not os.path.isabs(args[0]):
            return CommandResult(args, None, error=f"{args[0]} is not installed (not found on PATH)")
        try:
            process = subprocess.Popen(
                args,
                stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment,
                start_new_session=True,  # a timeout kills the whole group, not just the first process
            )
        except OSError as error:
            return CommandResult(args, None, error=f"cannot start {args[0]}: {error.strerror}")
        if input_text is not None and process.stdin is not None:
            try:
                process.stdin.write(input_text.encode())
                process.stdin.close()
            except BrokenPipeError:
                pass
        chunks: dict[str, list[str]] = {"stdout": [], "stderr": []}
        pending: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        selector = selectors.DefaultSelector()
        if process.stdout is None or process.stderr is None:  # pragma: no cover - both are PIPE above
            raise RuntimeError("subprocess pipes missing")
        selector.register(process.stdout, selectors.EVENT_READ, "stdout")
        selector.register(process.stderr, selectors.EVENT_READ, "stderr")
        deadline = started + timeout
        timed_out = False

        def emit(name: str, raw: bytes) -> None:
            line = raw.decode("utf-8", "replace")
            chunks[name].append(line)
            if on_line is not None:
                on_line(name, line.rstrip("\r\n"))
            self._log(f"  {line.rstrip()}")

        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            events = selector.select(timeout=min(remaining, 0.2))
            if not events and process.poll() is not None:
                # The program has exited; a daemon it started may still hold the pipes open. Stop reading.
                break
            for key, _ in events:
                name = str(key.data)
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    if pending[name]:
                        emit(name, pending[name])
                        pending[name] = b""
                    continue
                buffer = pending[name] + data
                *lines, pending[name] = buffer.split(b"\n")
                for raw in lines:
                    emit(name, raw + b"\n")
        selector.close()
        if timed_out:
            _kill_group(process)
            process.wait()
            return CommandResult(
                args,
                None,
                "".join(chunks["stdout"]),
                "".join(chunks["stderr"]),
                error=f"timed out after {timeout:g} s",
                duration=time.monotonic() - started,
            )
        try:
            returncode = process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()
            return CommandResult(args, None, error=f"timed out after {timeout:g} s")
        finally:
            process.stdout.close()
            process.stderr.close()
        return CommandResult(
            args,
            returncode,
            "".join(chunks["stdout"]),
            "".join(chunks["stderr"]),
            duration=time.monotonic() - started,
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 9)
