"""The full screen's side of the step registry: a step's screen class with the arguments it is built from.

Two equal recipes build the same screen: the app shows the one it built before again (see same_recipe).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from screens.base import StepScreen
from screens.registry import STEPS, Step, banner, confirm_arguments, load_view, rollback_banner
from screens.session import Session

if TYPE_CHECKING:
    from screens.steps.confirm import Settled
    from wizard.apply.results import ApplyResult

T = TypeVar("T")


class Recipe(Protocol[T]):
    """A screen class with the arguments it is built from (a functools.partial, seen by what it holds)."""

    @property
    def func(self) -> Callable[..., StepScreen[T]]: ...
    @property
    def args(self) -> tuple[Any, ...]: ...
    @property
    def keywords(self) -> dict[str, Any]: ...
    def __call__(self) -> StepScreen[T]: ...


def recipe(step: Step, session: Session) -> Recipe[Any]:
    """The step's screen class with the arguments it is built from now."""
    spec = STEPS[step]
    arguments = spec.arguments(session)
    screen: type[StepScreen[Any]] = load_view(spec.views.screen)
    return partial(screen, banner(session, step), *arguments.args, **arguments.keywords)


def build(step: Step, session: Session) -> StepScreen[Any]:
    return recipe(step, session)()


def confirm_rollback(session: Session, result: ApplyResult) -> StepScreen[Settled]:
    """Confirm's screen for a rollback made from the snapshots."""
    arguments = confirm_arguments(session, result)
    screen: type[StepScreen[Settled]] = load_view(STEPS[Step.CONFIRM].views.screen)
    return screen(rollback_banner(session), *arguments.args, **arguments.keywords)


def same_recipe(one: Recipe[Any], other: Recipe[Any]) -> bool:
    """Whether two recipes build the same screen (the arguments are compared by value: answers, facts)."""
    return (one.func, one.args, one.keywords) == (other.func, other.args, other.keywords)
