"""Kyoso Desk's services, one folder each: intake, routing, decision, implementation and
publication keep events; the portal is the one web front (services/registry.py lists them)."""
