"""Everything that touches the outside world: adapters, state, pipeline, daemon, CLI, sandboxes."""
