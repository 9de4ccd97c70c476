"""Blueprints of the staff UI and client area; each view parses, calls one service, renders."""
