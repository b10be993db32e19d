"""Routing: one desk, the right departments, no bouncing, deadlines kept (lifecycle 3–4)."""
