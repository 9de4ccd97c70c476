"""The reports app reads its settings from the environment, and caches figures per process: every test
starts with empty caches (ids repeat from test to test on a cleaned database)."""

from __future__ import annotations

import pytest
import streamlit as st


@pytest.fixture
def reports_env(process_env):
    st.cache_data.clear()
    yield process_env
    st.cache_data.clear()
