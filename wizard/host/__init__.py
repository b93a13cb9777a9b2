"""Host facts: the probe that observes a host, and the diagnosis that explains what it saw."""
