"""Slow tests: real installs of the upstream projects the bundled data comes from."""
