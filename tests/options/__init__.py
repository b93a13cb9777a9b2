"""Tests of the option schema, value validation, cross-option rules and secret masking."""
