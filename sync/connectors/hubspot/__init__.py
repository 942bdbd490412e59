"""The HubSpot adapter: `connect_hubspot(settings)` gives a `CrmPort`.

Modules: `auth` (the token), `door` (the one door: ten-second window, retries, budget),
`errors` (server answers to the port's errors), `values` (dates, numbers on the wire),
`search` (keyset pulls), `lists` (owners, deleted records), `associations` (v4 read and
create), `write` (batch upsert/update/archive), `describe` (properties), `adapter` (the port).
"""

from sync.connectors.hubspot.adapter import HubSpotAdapter, connect_hubspot
from sync.connectors.retry import RetryPolicy

__all__ = ["HubSpotAdapter", "RetryPolicy", "connect_hubspot"]
