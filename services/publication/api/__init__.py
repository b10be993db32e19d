"""Publication's HTTP API: the public register, cases and feed; the desk's disclosure
workflow; the proposer's consultation."""
