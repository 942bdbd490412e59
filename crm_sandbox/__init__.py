"""Stateful emulators of the Salesforce REST API and the HubSpot CRM v3 API.

They speak the real wire protocol so the unmodified simple-salesforce and hubspot-api-client
talk to them, enforce the real limits, count every call and can inject faults. Tests, the demo
and the benchmarks run against them; no canned responses.
"""
