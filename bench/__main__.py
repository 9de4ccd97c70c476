"""Run every benchmark module and print one JSON object per benchmark."""

from __future__ import annotations

import json

from bench import checks_quality, composer_latency


def main() -> None:
    """Run the benchmarks in order."""
    for module in (checks_quality, composer_latency):
        print(json.dumps(module.run(), ensure_ascii=False))


if __name__ == "__main__":
    main()
