"""Every service's OpenAPI checked against its answers (schemathesis)."""
