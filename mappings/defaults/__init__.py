"""Shipped default mappings: a standard Salesforce org and a standard HubSpot portal."""
