"""nnviz: an interactive companion to the course session "Introduction to Neural Networks"."""

import streamlit as st

from nnviz import ui
from nnviz.course import PAGES

st.set_page_config(page_title="nnviz · Introduction to Neural Networks", page_icon="assets/icon.png", layout="wide")

sections: dict[str, list] = {"": [st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True)]}
for page in PAGES:
    if page.available:
        sections.setdefault(page.section, []).append(
            st.Page(page.script, title=page.title, icon=page.icon, url_path=page.key))

navigation = st.navigation(sections)
ui.sidebar()
navigation.run()
