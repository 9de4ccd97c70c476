"""The unified inbox: ingest, triage, replies, SLA, sentiment, crisis alerts and moderation rules."""
