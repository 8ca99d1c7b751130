"""Lecture plan: the session as an ordered list of moments, each a link to a page in the state it needs."""

import streamlit as st

from nnviz import ui

st.title("Lecture plan")
st.markdown(
    "The session, moment by moment: each link opens a page with the settings that moment needs, and the line "
    "beside it says what to show. A page opened from here has **◀ Previous** and **Next ▶** at its top, so "
    "you can walk the whole session without coming back."
    # said in Lecture mode too, it read as if Lecture mode were off (a lecturer's review)
    + ("" if ui.lecture_mode_switched_on() else " Switch on **Lecture mode** first for the projector.")
)
ui.moment_list()
