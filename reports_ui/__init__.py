"""The Streamlit app: live KPI views for one client, opened from a signed link minted by the web app."""
