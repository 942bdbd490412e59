"""The bottom layer: the CRM-neutral words every other layer of the service uses.

`ports` (what an adapter is, the flat records and failures it speaks in), `failures` (what to
do about a CRM error), `stop` (the stop token a run checks between batches), `clock` (the one
way code reads the time, so tests inject it) and `logs` (structured, secret-scrubbed lines).
It imports nothing else of the service, so the pipeline, the state store, the adapters and
the daemon can all depend on it without depending on each other.
"""
