"""Round-trip editors for /etc/modules, /etc/modules-load.d/*.conf and /etc/modprobe.d/*.conf."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.files.lines import decode, encode, split_newline_lines, without_ending

__all__ = ["ModprobeConf", "ModuleChange", "ModuleFileError", "ModulesList"]

_MODULE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# A kernel module parameter: no blanks outside double quotes (the kernel's own next_arg() rule).
_TOKEN = re.compile(r'(?:[^\s"]|"[^"]*(?:"|$))+')


class ModuleFileError(ValueError):
    """A module name, parameter or value that cannot be written safely."""


@dataclass(frozen=True)
class ModuleChange:
    """What one edit did, so the planner can attach a reason to each changed line."""

    module: str
    key: str | None  # the module parameter, for modprobe.d edits
    old_value: str | None
    new_value: str | None
    old_lines: tuple[str, ...]  # removed or replaced lines, without line endings
    new_lines: tuple[str, ...]
    old_line_numbers: tuple[int, ...]  # 1-based, in the file before the edit
    new_line_numbers: tuple[int, ...]  # 1-based, in the file right after the edit

    @property
    def changed(self) -> bool:
        return bool(self.old_lines or self.new_lines)


def same_module(first: str, second: str) -> bool:
    """kmod and the kernel treat "-" and "_" in module and parameter names as the same character."""
    return first.replace("-", "_") == second.replace("-", "_")


def _check_name(what: str, name: str, pattern: re.Pattern[str]) -> None:
    if not pattern.fullmatch(name):
        raise ModuleFileError(f"{what} {name!r} is not a valid name (letters, digits, '-', '_')")


class _LineFile:
    """A file as a list of lines that keep their endings; the kernel tools only break lines at "\\n"."""

    def __init__(self, text: str) -> None:
        self._lines = split_newline_lines(text)
        crlf = text.count("\r\n")
        self._ending = "\r\n" if crlf > text.count("\n") - crlf else "\n"

    def to_bytes(self) -> bytes:
        return encode("".join(self._lines))

    def _append(self, line: str) -> int:
        """Add a line at the end; a last line without an ending gets one first. Returns its number."""
        if self._lines and not self._lines[-1].endswith("\n"):
            self._lines[-1] += self._ending
        self._lines.append(line + self._ending)
        return len(self._lines)


class ModulesList(_LineFile):
    """/etc/modules or a modules-load.d file: one module per line (its first word), comments kept."""

    @classmethod
    def parse(cls, data: bytes) -> ModulesList:
        return cls(decode(data))

    @staticmethod
    def _module_of(line: str) -> str | None:
        words = line.split()
        if not words or words[0][0] in "#;":
            return None
        return words[0]

    def modules(self) -> list[str]:
        """The modules listed, as written, in file order."""
        return [name for line in self._lines if (name := self._module_of(line)) is not None]

    def contains(self, name: str) -> bool:
        return any(same_module(listed, name) for listed in self.modules())

    def add(self, name: str) -> ModuleChange:
        """List the module once, at the end, unless it is already listed (in either spelling)."""
        _check_name("module", name, _MODULE_NAME)
        if self.contains(name):
            return ModuleChange(name, None, name, name, (), (), (), ())
        number = self._append(name)
        return ModuleChange(name, None, None, name, (), (name,), (), (number,))

    def remove(self, name: str) -> ModuleChange:
        """Remove every line that loads the module (in either spelling); comments stay."""
        found = [
            number
            for number, line in enumerate(self._lines)
            if (listed := self._module_of(line)) is not None and same_module(listed, name)
        ]
        old_lines = tuple(without_ending(self._lines[number]) for number in found)
        for number in reversed(found):
            del self._lines[number]
        old_value = name if found else None
        return ModuleChange(name, None, old_value, None, old_lines, (), tuple(n + 1 for n in found), ())


@dataclass(frozen=True)
class _Parameter:
    """One KEY[=VALUE] word of an options line: where it is, to change it in place."""

    line: int  # index of the physical line
    start: int
    end: int
    name: str
    value: str | None


@dataclass(frozen=True)
class _Command:
    """One logical line of a modprobe.d file: physical lines joined by a trailing backslash."""

    start: int
    end: int
    words: tuple[str, ...]
    parameters: tuple[_Parameter, ...]  # for "options" lines


class ModprobeConf(_LineFile):
    """A modprobe.d file: options lines merged in place, everything else kept as written."""

    @classmethod
    def parse(cls, data: bytes) -> ModprobeConf:
        return cls(decode(data))

    def _commands(self) -> list[_Command]:
        commands: list[_Command] = []
        number = 0
        while number < len(self._lines):
            start = number
            segments: list[tuple[int, str]] = []
            while True:
                line = self._lines[number]
                content = line[:-1] if line.endswith("\n") else line
                number += 1
                # kmod: an odd number of backslashes escapes the "\n" (or the end of the file) after them,
                # joining the next line; the escaping backslash itself is dropped.
                escaped = (len(content) - len(content.rstrip("\\"))) % 2 == 1
                segments.append((number - 1, content[:-1] if escaped else content))
                if not (escaped and line.endswith("\n") and number < len(self._lines)):
                    break
            commands.append(self._command(start, number, segments))
        return commands

    @staticmethod
    def _command(start: int, end: int, segments: list[tuple[int, str]]) -> _Command:
        tokens = [
            (line, match.start(), match.end(), match.group())
            for line, content in segments
            for match in _TOKEN.finditer(content)
        ]
        words = tuple(token for _, _, _, token in tokens)
        parameters: list[_Parameter] = []
        if len(words) > 2 and words[0] == "options":
            for line, begin, finish, token in tokens[2:]:
                name, equals, value = token.partition("=")
                parameters.append(_Parameter(line, begin, finish, name, value if equals else None))
        return _Command(start, end, words, tuple(parameters))

    def _options_for(self, module: str) -> list[_Command]:
        return [
            command
            for command in self._commands()
            if len(command.words) >= 2
            and command.words[0] == "options"
            and same_module(command.words[1], module)
        ]

    def _occurrences(self, module: str, key: str) -> list[_Parameter]:
        return [
            parameter
            for command in self._options_for(module)
            for parameter in command.parameters
            if same_module(parameter.name, key)
        ]

    def get_option(self, module: str, key: str) -> str | None:
        """The value modprobe passes for a module parameter (the last one wins); "" for a bare flag."""
        found = self._occurrences(module, key)
        if not found or found[-1].value is None:
            return None if not found else ""
        value = found[-1].value
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value

    def set_option(self, module: str, key: str, value: str) -> ModuleChange:
        """Set KEY=VALUE in the module's existing options line, or add an options line for it."""
        _check_name("module", module, _MODULE_NAME)
        _check_name("module parameter", key, _PARAMETER_NAME)
        if not value or any(character.isspace() or character in '"\\#' for character in value):
            raise ModuleFileError(f"value {value!r} for {module} {key} is empty or has blanks, quotes or '#'")
        if not value.isprintable():
            raise ModuleFileError(f"value {value!r} for {module} {key} contains a control character")
        old_value = self.get_option(module, key)
        found = self._occurrences(module, key)
        if len(found) == 1 and old_value == value:
            return ModuleChange(module, key, old_value, value, (), (), (), ())
        if found:
            last = found[-1]
            edits = [(last, f"{last.name}={value}")] + [(parameter, None) for parameter in found[:-1]]
            return self._edit(module, key, old_value, value, edits)
        commands = self._options_for(module)
        if commands:
            number = commands[-1].end - 1
            old_line = self._lines[number]
            text = without_ending(old_line)
            self._lines[number] = f"{text.rstrip()} {key}={value}" + old_line[len(text) :]
            return ModuleChange(
                module,
                key,
                None,
                value,
                (text,),
                (without_ending(self._lines[number]),),
                (number + 1,),
                (number + 1,),
            )
        line = f"options {module} {key}={value}"
        return ModuleChange(module, key, None, value, (), (line,), (), (self._append(line),))

    def remove_option(self, module: str, key: str) -> ModuleChange:
        """Drop the parameter everywhere; an options line left with no parameter goes entirely."""
        found = self._occurrences(module, key)
        return self._edit(module, key, self.get_option(module, key), None, [(p, None) for p in found])

    def _edit(
        self,
        module: str,
        key: str,
        old_value: str | None,
        new_value: str | None,
        edits: Sequence[tuple[_Parameter, str | None]],
    ) -> ModuleChange:
        """Replace (or, for None, delete) parameter words in place, then drop options lines left empty."""
        touched = sorted({parameter.line for parameter, _ in edits})
        if not touched:
            return ModuleChange(module, key, old_value, new_value, (), (), (), ())
        original = list(self._lines)
        for parameter, replacement in sorted(edits, key=lambda edit: (edit[0].line, -edit[0].start)):
            line = self._lines[parameter.line]
            start, end = parameter.start, parameter.end
            if replacement is None:
                # Take the blanks before the word with it (or after it, for a word that starts the line).
                blanks = len(line[:start]) - len(line[:start].rstrip(" \t"))
                if blanks:
                    start -= blanks
                else:
                    end += len(line[end:]) - len(line[end:].lstrip(" \t"))
            self._lines[parameter.line] = line[:start] + (replacement or "") + line[end:]
        dropped: set[int] = set()
        for command in self._options_for(module):
            if not any(command.start <= touch < command.end for touch in touched):
                continue
            if not command.parameters:
                dropped.update(range(command.start, command.end))
                continue
            # A middle line left with only its backslash goes; the last line stays, since the backslash
            # before it would otherwise join the line after the command.
            dropped.update(
                number
                for number in range(command.start + 1, command.end - 1)
                if number in touched and not self._lines[number].rstrip("\n").rstrip("\\").strip()
            )
        kept = [number for number in touched if number not in dropped]
        new_numbers = [number - sum(1 for gone in dropped if gone < number) for number in kept]
        for number in sorted(dropped, reverse=True):
            del self._lines[number]
        changed = sorted(set(touched) | dropped)
        return ModuleChange(
            module=module,
            key=key,
            old_value=old_value,
            new_value=new_value,
            old_lines=tuple(without_ending(original[number]) for number in changed),
            new_lines=tuple(without_ending(self._lines[number]) for number in new_numbers),
            old_line_numbers=tuple(number + 1 for number in changed),
            new_line_numbers=tuple(number + 1 for number in new_numbers),
        )
