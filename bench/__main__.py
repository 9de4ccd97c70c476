"""Run every benchmark module and print one JSON object per benchmark."""

from __future__ import annotations

import json
import sys

from bench import (
    checks_quality,
    composer_latency,
    inbox_ingest,
    inbox_query,
    inbox_triage,
    kpi_overview,
    metrics_rollup,
    publish_burst,
    publish_chaos,
    reports_overview,
)


def main() -> None:
    """Run the benchmarks in order."""
    modules = {
        "checks_quality": checks_quality,
        "composer_latency": composer_latency,
        "inbox_ingest": inbox_ingest,
        "inbox_query": inbox_query,
        "inbox_triage": inbox_triage,
        "kpi_overview": kpi_overview,
        "metrics_rollup": metrics_rollup,
        "publish_burst": publish_burst,
        "publish_chaos": publish_chaos,
        "reports_overview": reports_overview,
    }
    wanted = sys.argv[1:] or list(modules)
    for name in wanted:
        print(json.dumps(modules[name].run(), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
