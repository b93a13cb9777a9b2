"""The line mode (`kvm-wizard --line`): the same steps, from the same engine and step registry, printed as lines
and answered a line at a time, for consoles that cannot draw a screen. No Textual, no rich, no escape
sequence: an import-linter contract keeps it so."""
