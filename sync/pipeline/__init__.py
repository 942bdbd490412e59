"""The pipeline: pull -> decide -> push, wired from the port, the mapping, the rules and state."""
