"""End-to-end, the report archive: "Generate now" queues a report, the open page follows its progress to
done without a reload, and the downloaded PDF holds the client's week, post text printed as written."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from tests.e2e.browser import browser_session, serve
from tests.factories import PASSWORD
from tests.report_samples import TRICKY_TITLE, build_report_world
from tests.workers import drain
from worker.context import job_context
from worker.queues import redis_connection

pytestmark = pytest.mark.browser
LIVE_MS = 30_000  # the page polls every 2 s; a busy CI machine gets several cycles


@pytest.fixture
def live_url(csrf_app) -> Iterator[str]:
    with serve(csrf_app) as url:
        yield url


def test_a_report_generated_now_shows_its_progress_live_and_downloads(live_url, session, process_env):
    from playwright.sync_api import expect

    job_context.cache_clear()
    world = build_report_world(session)
    with browser_session() as open_page:
        page = open_page(live_url)
        page.goto("/login")
        page.get_by_label("Email").fill(world.manager.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/c/pizzeria-bella/")
        page.locator("#open-report-archive").click()
        page.locator("#start").fill("2026-11-02")
        page.locator("#end").fill("2026-11-08")
        page.locator("#generate-report").click()
        row = page.locator("#report-rows tr.report-row")
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-status", "queued")
        expect(row.locator("progress")).to_have_count(1)
        loaded_at = page.evaluate("performance.timeOrigin")

        drain("reports", connection=redis_connection(process_env.redis_url))  # a worker makes it

        expect(row).to_have_attribute("data-status", "done", timeout=LIVE_MS)
        assert page.evaluate("performance.timeOrigin") == loaded_at  # no reload
        with page.expect_download() as download:
            row.get_by_role("link", name="PDF").click()
        assert download.value.suggested_filename == "report-pizzeria-bella-2026-11-02-2026-11-08.pdf"
        pdf = download.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Pizzeria Bella" in text and TRICKY_TITLE in text
    job_context.cache_clear()
