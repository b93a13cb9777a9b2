"""Data shipped with kvm-wizard: stylesheets, help texts and the demo hosts."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def asset(*parts: str) -> Traversable:
    """An asset inside the installed package, e.g. ``asset("help", "storage.md")``."""
    return files(__name__).joinpath(*parts)


def asset_path(*parts: str) -> Path:
    """A filesystem path to an asset (wheels and source trees both install assets as real files)."""
    return Path(str(asset(*parts)))
