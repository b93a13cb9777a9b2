"""Support bundles: one tar.gz with what a supporter needs to see of a node, every secret masked."""
