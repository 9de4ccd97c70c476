"""The JSON API at /api/v1: bearer tokens, JSON errors, an OpenAPI document."""
