"""The `kyoso` command: bring the desk up, run one service, run the local broker."""
