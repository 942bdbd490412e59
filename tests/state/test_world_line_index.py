"""`World.renewal_lines_by_renewal` finds what a `startswith` scan over every line key finds.

(Kept with the state tests: the index is built from the mirror's written-record ids.)
"""

from __future__ import annotations

import random

from sync.pipeline.world import World


def _scan(world: World, renewal_key: str) -> dict[str, str]:
    prefix = f"{renewal_key}:line:"
    ours = world.record_ids.get("renewal_line", {})
    return {k: rid for k, rid in ours.items() if k.startswith(prefix)}


def test_grouped_lines_equal_a_prefix_scan_for_every_renewal() -> None:
    rng = random.Random(3)
    renewals = ["r1", "r1:line:0", "acct:prod:2026", "x", "x:", ""]
    lines = {
        f"{rng.choice(renewals)}:line:{i}:{rng.choice(['plan', 'usage'])}": f"00k{i}"
        for i in range(300)
    }
    lines |= {"stray": "00kS", "r1:lines:0": "00kT"}
    world = World(record_ids={"renewal_line": lines})
    grouped = world.renewal_lines_by_renewal()
    for key in [*renewals, "r", "line", "stray", "r1:line"]:
        assert dict(grouped.get(key, {})) == _scan(world, key), key


def test_no_written_lines_no_groups() -> None:
    assert World().renewal_lines_by_renewal() == {}
