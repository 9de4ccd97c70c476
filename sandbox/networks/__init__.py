"""One module per network; each exposes `bp` (a Flask blueprint), `seed(state)` and `simulate(state, rng)`."""

NETWORK_MODULES = ("meta", "linkedin", "x", "mastodon", "bluesky")
