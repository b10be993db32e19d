"""Audit: tamper evidence over every service's stored events, replay and export."""
