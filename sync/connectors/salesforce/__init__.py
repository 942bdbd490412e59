"""The Salesforce adapter: `connect_salesforce(settings)` gives a `CrmPort`.

Modules: `auth` (tokens), `session` (the one door: retries, re-authentication, limits),
`errors` (server answers to the port's errors), `soql` (query text), `pull` (keyset pages),
`write` (sObject Collections), `describe` (metadata), `adapter` (the port itself).
"""

from sync.connectors.retry import RetryPolicy
from sync.connectors.salesforce.adapter import SalesforceAdapter, connect_salesforce

__all__ = ["RetryPolicy", "SalesforceAdapter", "connect_salesforce"]
