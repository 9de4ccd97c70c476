"""One module per network; each exposes `bp` (a Flask blueprint), `seed(state)`, `simulate(state, rng)`
and `say(state, wanted, rng)` (one audience item on demand, see sandbox.audience)."""

NETWORK_MODULES = ("meta", "linkedin", "x", "mastodon", "bluesky")
