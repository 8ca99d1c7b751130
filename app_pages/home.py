"""Home: what the app is for, the learning objectives and where each is served."""

import streamlit as st

from nnviz.course import OBJECTIVES, PAGES, pages_for_objective

st.title("Introduction to Neural Networks, interactively")
st.markdown(
    "**nnviz** lets you *play* with the ideas of the course session \"Introduction to Neural Networks\": "
    "artificial neurons and perceptrons, activation functions, gradient descent and the learning rate, "
    "loss versus accuracy and the softmax output, ending with a real `tf.keras` network trained on "
    "handwritten digits. Every formula shown is computed in the app and checked against Keras."
    + (" Pages marked *in preparation* below are still being written." if not all(p.available for p in PAGES) else "")
)

st.header("Learning objectives and where to explore them")
for key, text in OBJECTIVES.items():
    pages = pages_for_objective(key)
    with st.container(border=True):
        st.markdown(text)
        # links side by side as wide as their labels, wrapping when the row is full (equal columns cut
        # "Activation functions" in Lecture mode's larger text)
        with st.container(horizontal=True, gap="medium"):
            for page in pages:
                if page.available:
                    st.page_link(page.script, label=page.title, icon=page.icon)
                else:
                    st.caption(f"{page.title} (page in preparation)")

st.header("How to use it")
self_study, lecture = st.columns(2)
with self_study:
    st.subheader("On your own")
    st.markdown(
        "- Read the chapter first (Géron ch. 10 and ch. 11 up to Batch Normalization), or watch the "
        "3Blue1Brown videos 1–4.\n"
        "- Open a page, move the controls, and do its **Try this** experiments: predict what will "
        "happen *before* you move the slider.\n"
        "- Copy the code from the **In Keras** panel into a notebook and run it."
    )
with lecture:
    st.subheader("In a lecture")
    st.markdown(
        "- The **Lecture plan** walks the session moment by moment: each opens a page in the state to show, with "
        "Previous and Next.\n"
        "- Switch on **Lecture mode** in the sidebar (the » at the top left when it is folded): larger text and "
        "figures for the projector.\n"
        "- Everything except the MNIST download works offline: no network is needed in the hall.\n"
        "- Each page opens with the objective it serves; its **Try this** prompts make good "
        "questions to ask the room."
    )
    # the lecturer's main tool, otherwise only in the sidebar, which Lecture mode folds (a lecturer's review)
    st.page_link("app_pages/lecture_plan.py", label="Open the lecture plan", icon=":material/format_list_numbered:")
