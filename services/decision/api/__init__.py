"""Decision's HTTP API: decisions by departments and the council, incentives, reading."""
