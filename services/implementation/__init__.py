"""After adoption: selection, agreement, implementation and effect verification."""
