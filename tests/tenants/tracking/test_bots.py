"""Bots and previews are told apart from people: each fetcher family, HEAD, prefetch and no user agent."""

from __future__ import annotations

import pytest

from tenants.tracking.bots import filter_reason

FETCHERS = {
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "facebot": "Facebot",
    "twitterbot": "Twitterbot/1.0",
    "linkedinbot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "slackbot": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "telegrambot": "TelegramBot (like TwitterBot)",
    "discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "applebot": "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1",
    "pinterestbot": "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
    "skype": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "mastodon": "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/)",
    "bluesky": "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "headless": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0.0.0 Safari/537.36",
    "http-library": "python-requests/2.31.0",
    "ai-crawler": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0)",
}
GENERIC = {
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)": "ua:bot",
    "Mozilla/5.0 (compatible; Baiduspider/2.0)": "ua:spider",
    "SomeCompany-Crawler/1.2": "ua:crawl",
    "Acme link preview service": "ua:preview",
}
PEOPLE = {
    "chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "safari ios": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "facebook in-app": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/458.0.0.36.108;FBBV/590006]",
    "instagram in-app": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/124.0 Mobile Safari/537.36 Instagram 328.0.0.42.90 Android",
    "linkedin in-app": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.5",
    "pinterest in-app": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]",
    "a phone called Cubot": "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
}


@pytest.mark.parametrize(("name", "agent"), sorted(FETCHERS.items()))
def test_each_crawler_and_preview_family_is_filtered_by_name(name, agent):
    assert filter_reason(method="GET", user_agent=agent, headers={}) == f"ua:{name}"


@pytest.mark.parametrize(("agent", "reason"), sorted(GENERIC.items()))
def test_anything_calling_itself_a_bot_spider_crawler_or_preview_is_filtered(agent, reason):
    assert filter_reason(method="GET", user_agent=agent, headers={}) == reason


@pytest.mark.parametrize("agent", sorted(PEOPLE.values()))
def test_browsers_and_in_app_browsers_are_people(agent):
    assert filter_reason(method="GET", user_agent=agent, headers={}) is None


def test_head_requests_prefetches_and_a_missing_user_agent_are_filtered():
    chrome = PEOPLE["chrome"]
    assert filter_reason(method="HEAD", user_agent=chrome, headers={}) == "head"
    for header, value in (
        ("Purpose", "prefetch"),
        ("Sec-Purpose", "prefetch"),
        ("Sec-Purpose", "prefetch;prerender"),
        ("X-Purpose", "preview"),
        ("X-Moz", "prefetch"),
    ):
        assert filter_reason(method="GET", user_agent=chrome, headers={header: value}) == "prefetch", header
    assert filter_reason(method="GET", user_agent="", headers={}) == "empty_ua"
    assert filter_reason(method="GET", user_agent="   ", headers={}) == "empty_ua"
    assert filter_reason(method="GET", user_agent=None, headers={}) == "empty_ua"
    assert filter_reason(method="GET", user_agent=chrome, headers={"Sec-Purpose": ""}) is None
