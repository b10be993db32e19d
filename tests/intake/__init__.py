"""Tests of the intake service by level: its aggregates, then its application."""
