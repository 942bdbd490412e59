"""Everything that touches the outside world: CRM adapters, state, pipeline, daemon, CLI, sandboxes."""
