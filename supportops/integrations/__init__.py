"""Helpdesk integrations: vendor-shaped parsers (Zendesk, Intercom, CSV), signed webhooks and the import service."""
