"""The Salesforce sandbox: an in-memory org speaking REST API v60.0.

See docs/sandbox-salesforce.md.
"""

from crm_sandbox.salesforce.sandbox import SalesforceSandbox

__all__ = ["SalesforceSandbox"]
