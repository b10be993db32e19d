"""What every Kyoso Desk service shares: the event contract, the proposal fold and plumbing."""
