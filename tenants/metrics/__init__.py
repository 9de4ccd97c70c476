"""Metrics: readings from the networks, daily rollups per post, account and client, KPIs against targets."""
