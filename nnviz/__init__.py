"""nnviz: the maths, Keras helpers and plotly figures behind the app.

The core (maths and figures) imports neither streamlit nor tensorflow;
``nnviz.ui`` is the only module that imports streamlit.
"""
