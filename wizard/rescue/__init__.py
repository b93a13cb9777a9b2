"""Rescue: a broken node's known log errors and configuration problems, each tied to a fix offered as a plan."""
