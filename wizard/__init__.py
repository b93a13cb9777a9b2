"""kvm-wizard: turn a Linux host into an OpenStack Nova compute node on KVM, safely."""

__version__ = "0.1.0"
