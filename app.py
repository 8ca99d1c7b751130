"""nnviz: an interactive companion to the course session "Introduction to Neural Networks"."""

import contextlib

import streamlit as st

from nnviz import ui
from nnviz.course import PAGES

ui.lecture_mode_as_linked()  # before the sidebar reads it
st.set_page_config(page_title="nnviz · Introduction to Neural Networks", page_icon="assets/icon.png", layout="wide",
                   initial_sidebar_state=ui.sidebar_state())

sections: dict[str, list] = {"": [st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
                                  st.Page("app_pages/lecture_plan.py", title="Lecture plan",
                                          icon=":material/format_list_numbered:", url_path="lecture_plan")]}
for page in PAGES:
    if page.available:
        sections.setdefault(page.section, []).append(ui.streamlit_page(page))

navigation = st.navigation(sections)
ui.sidebar(navigation.url_path)
arrived = ui.link_as_arrived(navigation)  # read before the page's widgets correct the URL
top = st.container(key=ui.PAGE_TOP_KEY)  # above the page: the lecture plan's Previous / Next (it sticks)
notice = st.container()  # under it: what of a link the page ignored (it scrolls away with the page)
try:
    navigation.run()
except Exception:
    # a page that fails still gets its lecture plan bar, so the lecturer can go on with Next (it vanished with
    # the page, a lecturer's review); Streamlit shows the error
    with contextlib.suppress(Exception):
        ui.after_page(navigation, arrived, top, notice)
    raise
ui.after_page(navigation, arrived, top, notice)
