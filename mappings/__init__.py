"""Field mappings admins edit, and the translation between CRM records and the canonical model."""
