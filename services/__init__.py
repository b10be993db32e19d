"""The four Kyoso Desk services, one folder each: intake, routing, decision, publication."""
