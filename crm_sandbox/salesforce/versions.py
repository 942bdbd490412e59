"""The REST API versions the sandbox serves, as a real org lists them at `/services/data`.

A real org serves every version from v31.0 (Summer '14) to the current one, and resolves the
`latest` alias to the newest
(https://developer.salesforce.com/docs/platform/api-rest/guide/resources-versions.md,
https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.md). Three
releases a year: Spring, Summer, Winter (Winter is named after the year it leads into).
"""

from __future__ import annotations

from typing import Any

OLDEST = 31
NEWEST = 62
_SEASONS = ("Summer", "Winter", "Spring")  # v31.0 was Summer '14


def release_label(major: int) -> str:
    """The release a version came with: 60 -> "Spring '24"."""
    step = major - OLDEST
    return f"{_SEASONS[step % 3]} '{14 + (step + 2) // 3:02d}"


def listing() -> list[dict[str, Any]]:
    """The Versions resource: oldest first."""
    return [
        {"label": release_label(n), "url": f"/services/data/v{n}.0", "version": f"{n}.0"}
        for n in range(OLDEST, NEWEST + 1)
    ]


def resolve(segment: str) -> str | None:
    """`v59.0` -> "59.0", `latest` -> the newest, anything else (v30.0, v63.0, v60.5) None."""
    if segment == "latest":
        return f"{NEWEST}.0"
    major, dot, minor = segment.removeprefix("v").partition(".")
    if not segment.startswith("v") or not dot or minor != "0" or not major.isdigit():
        return None
    return f"{int(major)}.0" if OLDEST <= int(major) <= NEWEST else None
