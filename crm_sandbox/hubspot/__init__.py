"""An in-memory HubSpot portal (CRM v3/v4) that the unmodified hubspot-api-client talks to.

See docs/sandbox-hubspot.md for endpoints, limits, properties and fault specs.
"""

from crm_sandbox.hubspot.sandbox import DEFAULT_TOKEN, HubSpotSandbox

__all__ = ["DEFAULT_TOKEN", "HubSpotSandbox"]
