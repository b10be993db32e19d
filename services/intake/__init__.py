"""Intake: where proposals and themes come in (DOMAIN.md lifecycle steps 1–2)."""
