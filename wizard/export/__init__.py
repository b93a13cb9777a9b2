"""Exports of the engine's decisions for other tools: an Ansible playbook that makes the same changes."""
