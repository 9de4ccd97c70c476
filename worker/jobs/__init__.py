"""RQ job functions; each takes ids, reloads rows in its own session, and is safe to run twice."""
