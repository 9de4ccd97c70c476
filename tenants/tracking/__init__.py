"""Tracked links and conversions: short links in published posts, clicks with bots and previews filtered,
conversions reported by the client's site, and the per-day rollup the KPIs read.

- shortening: the links of a published text become {base_url}/l/<code>, once per target and destination;
- bots: which requests for a short link are not a person's click (crawlers, link previews, prefetch);
- clicks: record a click and where to redirect it (the destination plus cz_click=<click id>);
- conversions: record a conversion from the API or the pixel, attributed by click id within a window;
- keys: the per-client conversion keys (hash stored, shown once, rotated with a grace period);
- config: the per-client settings (pixel id, attribution window, reporting currency);
- rollup: the UPSERT into link_daily_stats, and its rebuild from the raw rows;
- stats: what the KPI layer reads (daily_link_stats, daily_totals, totals by post or account).
"""
