"""Publication: the public register, redacted cases and the case feed for other cities."""
