"""Round-trip editors for the files the wizard changes: oslo INI files and kernel module lists."""
