"""Test helpers for the running sandbox: its control API and a headless walk through authorize pages."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from sandbox import consent


@dataclass
class SandboxControl:
    """Talks to a running sandbox's /_control API."""

    url: str
    http: httpx.Client

    def reset(self, seed: int = 1) -> None:
        self.http.post("/_control/reset", json={"seed": seed}).raise_for_status()

    def fault(self, network: str, kind: str, **options) -> dict:
        resp = self.http.post("/_control/faults", json={"network": network, "kind": kind, **options})
        resp.raise_for_status()
        return resp.json()

    def clear_faults(self) -> None:
        self.http.delete("/_control/faults").raise_for_status()

    def published(
        self, network: str | None = None, account: str | None = None, *, deleted: bool = False
    ) -> list[dict]:
        params = {k: v for k, v in {"network": network, "account": account}.items() if v}
        if deleted:
            params["deleted"] = "1"
        return self.http.get("/_control/published", params=params).json()["published"]

    def tick(self, steps: int = 1, network: str | None = None) -> None:
        self.http.post(
            "/_control/audience/tick", json={"steps": steps, "network": network}
        ).raise_for_status()

    def say(self, network: str, kind: str, account: str, text: str, **options) -> dict:
        """One audience item through /_control/audience/say; its answer (remote `id`, `post`, `thread`)."""
        body = {"network": network, "kind": kind, "account": account, "text": text, **options}
        resp = self.http.post("/_control/audience/say", json=body)
        resp.raise_for_status()
        return resp.json()

    def bulk(self, network: str, kind: str, account: str, count: int, **options) -> dict:
        body = {"network": network, "kind": kind, "account": account, "count": count, **options}
        resp = self.http.post("/_control/audience/bulk", json=body, timeout=120)
        resp.raise_for_status()
        return resp.json()

    def click(self, share: float = 1.0, network: str | None = None) -> int:
        """Readers follow about `share` of the links in live posts; how many links answered."""
        body = {"share": share, "network": network}
        resp = self.http.post("/_control/audience/click", json=body, timeout=30)
        resp.raise_for_status()
        return resp.json()["followed"]

    def webhooks(self, **filters: str) -> dict:
        """Webhook deliveries so far (`deliveries`, `count`, `pending`)."""
        return self.http.get("/_control/webhooks", params=filters).json()

    def advance_clock(self, seconds: float) -> None:
        self.http.post("/_control/clock", json={"seconds": seconds}).raise_for_status()

    def state(self, network: str) -> dict:
        return self.http.get(f"/_control/state/{network}").json()


# The headless consent walk lives in the sandbox package, shared with `cadenza seed-demo-accounts`.
authorize = consent.authorize
