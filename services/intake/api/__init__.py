"""Intake's HTTP API: one router per audience (public, proposer, desk)."""
