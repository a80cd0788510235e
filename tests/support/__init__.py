"""What several test packages share, in one place: factories of domain objects, in-memory fakes of the ports, signed
Slack clicks and alarm events, the monitored function in the embedded AWS, and hooks that count AWS calls."""
