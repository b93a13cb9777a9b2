"""The planning tests' demo hosts, for the judgements of libvirt and the rules."""

from tests.plan.conftest import demo_host

__all__ = ["demo_host"]
