"""Tests of the routing service by level: its aggregate and directory, then its application."""
