"""Domain services: plain functions with keyword-only arguments, one module per concept."""
