"""The Textual screens of the wizard: they show and collect; the engine decides and writes."""
