"""Background work: RQ queues and jobs, and (later) the social-network connectors."""
