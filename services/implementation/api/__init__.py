"""Implementation's HTTP API: the owning department runs the project, staff read it."""
