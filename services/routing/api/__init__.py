"""Routing's HTTP API: the directory, department inboxes, routing actions, the dashboard."""
