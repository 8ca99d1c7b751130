"""Shared page furniture: the one nnviz module that imports streamlit.

Every page is built from the same pieces, top to bottom: ``page_header``, the
interactive sections (figures through ``show_figure``), ``try_this`` and
``keras_panel``.
"""

from __future__ import annotations

import decimal
import functools
import math
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Import pandas before any page draws: st.table imports it lazily, and on a cold server one session's
# plotly can pick up the half-imported module from another session's thread ("partially initialized
# module 'pandas' has no attribute 'Series'"). An import statement waits for an import in progress.
import pandas  # noqa: F401
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

from nnviz import heap, memo, notebooks
from nnviz.course import LECTURE_PLAN, MOMENT_PARAM, PAGES_BY_KEY, objective_text
from nnviz.figures.style import (
    DARK_TEXT,
    LECTURE_FONT_FACTOR,
    LECTURE_HEIGHT_FACTOR,  # noqa: F401 -- the pages read it as ui.LECTURE_HEIGHT_FACTOR
    figure_height,
    figure_json,
    has_narrow_layout,
    lecture_height_factor,
    lecture_view_height,
    plotly_figure,
    scaled_fonts,
)
from nnviz.formatting import equals_per_line, listed, shortened, with_minus_signs

heap.keep_large_blocks_mapped()  # the server's RSS would otherwise grow by steps over a lecture (nnviz.heap)

LECTURE_MODE_KEY = "lecture_mode"
SCREEN_KEY = "nnviz_screen"  # the component that tells the server whether the screen is small (see lecture_mode)


FIGURE_CACHE_ENTRIES = 64


def cache_figure(builder):
    """Memoise a page's figure-building function per argument values.

    Shared by all sessions (no copy per hit), which is safe because a figure is never changed after it is built
    (``show_figure`` scales a copy). Use it for figures that most widget changes leave alone, so a rerun rebuilds
    only what changed. (A ``memo.Memo``, not st.cache_resource: see nnviz.memo.)
    """
    cached = _CACHED_BUILDERS.get(builder.__code__)
    if cached is None:
        cached = memo.Memo(builder, FIGURE_CACHE_ENTRIES)
        _CACHED_BUILDERS[builder.__code__] = cached
    return cached


def clear_figure_caches() -> None:
    """Forget every figure ``cache_figure`` keeps (tests that build the same figures another way)."""
    for cached in _CACHED_BUILDERS.values():
        cached.clear()


# A page's script runs anew at every rerun, and so do its @cache_figure lines; making the cached function reads its
# source to name its cache (~0.3 ms each). The script's compiled code is kept, so a builder's code object is the
# same at every run: the cached function made at the first run serves every later one (its cache is the same).
_CACHED_BUILDERS: dict = {}


def lecture_mode_switched_on() -> bool:
    """True when the lecturer switched on the projector-friendly mode in the sidebar (or a link did)."""
    return bool(st.session_state.get(LECTURE_MODE_KEY, False))


def lecture_mode() -> bool:
    """True when the page is drawn for a projector: Lecture mode is on and the screen is not a small one. A link
    copied from the projector carries Lecture mode; a student who opens it on a phone gets the page at its usual
    sizes (at projector sizes titles broke mid-word and figures' labels were cut there)."""
    return lecture_mode_switched_on() and not small_screen()


WIDE = 640  # px of the window's width: Streamlit stacks columns below it; narrower is a small screen (a phone)
# From this window width the main column is at least 900 px wide with the sidebar open (the window less 460 px: 1140
# at 1600, 906 at 1366, 820 at 1280): a "large" screen, where a page may lay a figure out wide (figures.playground.WIDE)
LARGE = 1360
PAGES_WITH_LARGE_LAYOUTS = ("playground",)  # the pages that tell a large screen from a medium one
# Tells the server the window's size, "small" (narrower than data.below), "medium" or "large" (from data.large_from),
# on mounting and when a resize crosses a bound; only a change is sent, so a large screen costs no rerun. A page that
# does not tell medium from large (large_from 0) sends only a change of small: switching pages costs no rerun either.
_SCREEN_JS = """
export default function ({ data, setStateValue }) {
  const screen = window.__nnvizScreen = window.__nnvizScreen || {};
  Object.assign(screen, {data, setStateValue});
  screen.told = data.size;
  const tell = () => {
    const d = screen.data, width = window.innerWidth;
    let size = width < d.below ? "small" : d.large_from && width < d.large_from ? "medium" : "large";
    if (!d.large_from && size !== "small" && screen.told !== "small") size = screen.told;
    if (size !== screen.told) {
      screen.told = size;
      screen.setStateValue("size", size);
    }
  };
  if (!screen.listening) {
    screen.listening = true;
    window.addEventListener("resize", tell);
  }
  tell();
}
"""
_SCREEN = st.components.v2.component("nnviz_screen", js=_SCREEN_JS)


def screen_size() -> str:
    """What the browser said of its window: "small" (a phone), "medium" or "large" (see LARGE); "large" until it
    has said."""
    state = st.session_state.get(SCREEN_KEY)
    return (state and state.get("size")) or "large"


def small_screen() -> bool:
    """True when the browser said that its window is narrower than WIDE (a phone)."""
    return screen_size() == "small"


def large_screen() -> bool:
    """True unless the browser said that its window is narrower than LARGE (on the pages that ask)."""
    return screen_size() == "large"


def latex(formula: str) -> None:
    """A display formula; on a phone with each '=' on a line of its own (formatting.equals_per_line): a long chain of
    equalities ran off the column there, its result cut away."""
    st.latex(equals_per_line(formula) if small_screen() else formula)


def _screen_size(page_path: str) -> None:
    """Mount the component that tells the server the screen's size (a change reruns the page)."""
    # in Lecture mode those pages are drawn for a projector's width whatever the screen: no need to ask
    large_from = LARGE if page_path in PAGES_WITH_LARGE_LAYOUTS and not lecture_mode() else 0
    _SCREEN(key=SCREEN_KEY, data={"below": WIDE, "large_from": large_from, "size": screen_size()},
            default={"size": "large"}, on_size_change=lambda: None, height=0)


LINK_TRUE, LINK_FALSE = "true", "false"  # a switch's values in a link, as Streamlit's bound toggle writes them
LECTURE_MODE_WORDS = ({word: LINK_TRUE for word in ("true", "1", "yes", "on", "")}
                      | {word: LINK_FALSE for word in ("false", "0", "no", "off")})


def lecture_mode_as_linked() -> None:
    """Call first: a link's ``lecture_mode=1`` (yes, on, or the bare name) as ``true`` and 0, no, off as ``false``,
    in the address and in what the sidebar's toggle is seeded from. Streamlit dropped them without a word, Lecture
    mode off (a helper's review); any other value gets the page's notice."""
    values = st.query_params.get_all(LECTURE_MODE_KEY)
    # once each: a lecture-plan link carries it, and the toggle bound to the address adds it again on the way
    words = list(dict.fromkeys(LECTURE_MODE_WORDS.get(text.strip().lower(), text) for text in values))
    if words != values:
        _rewrite_in_link(LECTURE_MODE_KEY, words)
    # for the notice: the toggle drops them from the address before link_as_arrived reads it
    _page_links().lecture_mode_asked = [text for text in words if text not in (LINK_TRUE, LINK_FALSE)]


def sidebar_state() -> str:
    """The sidebar as a page opens: collapsed in Lecture mode (switched on, or asked for by the link:
    ?lecture_mode=true), so that the projector shows the page only. Streamlit applies it when it changes, so
    switching Lecture mode on collapses the sidebar once, and the lecturer can open it again."""
    asked = st.query_params.get(LECTURE_MODE_KEY, "").lower() == LINK_TRUE
    return "collapsed" if asked or lecture_mode_switched_on() else "auto"


# Streamlit marks a rerunning section's elements stale, and a stale element fades (an opacity transition, delayed
# 0.5 s): every slider press started and cancelled one per element of the sections it reruns, and each took its
# element, charts included, to a layer of its own and back (-5 to -40 ms a redraw without, docs/PERFORMANCE.md,
# issue #15, sixteenth session). Stale elements keep their opacity: no run of these pages is slow enough to show the
# fade, and a long one shows its spinner.
PAGE_CSS = ("[data-testid='stElementContainer'][data-stale='true'] {opacity: 1 !important;}"
            f".st-key-{SCREEN_KEY} {{display: none;}}"  # no room for the screen-size component (a gap in the sidebar)
            # tabs that do not fit go on a second row: in one row that scrolls, a phone showed Backpropagation's first
            # three, 'Check the gradient' cut, the other two behind a small arrow
            ".stTabs [role='tablist'] {flex-wrap: wrap; row-gap: 0.25rem;}")
# the sidebar's group titles, metrics and widget labels wrap: at Lecture mode's size 'Outputs and a real network' was
# cut to '… a real net…', and with the sidebar open 'gradient descent on cross-entro…', '47.5% → 81…' and 'show the
# test p…' (the main column 880 px wide at 1280x720);
# captions nearly as dark as the text: at Streamlit's 0.6 opacity the explanations in them (scikit-learn's tie-break,
# each function's note) were grey on a projector (a review)
LECTURE_CAPTION_OPACITY = 0.85
WRAPPED_IN_LECTURE_MODE = ", ".join(f"[data-testid='{name}'] .stMarkdownEllipsis{inner}" for name in (
    "stNavSectionHeader", "stMetricLabel", "stMetricValue", "stWidgetLabel") for inner in ("", " *"))
LECTURE_CSS = ("html { font-size: 20px; }"
               f"[data-testid='stCaptionContainer'] {{opacity: {LECTURE_CAPTION_OPACITY};}}"
               f"{WRAPPED_IN_LECTURE_MODE} {{white-space: normal !important; text-overflow: clip; overflow: visible;}}"
               "[data-testid='stNavSectionHeader'] {height: auto;}"
               # Plotly's toolbar shows while the mouse is anywhere over a figure, on the figure's top right: a
               # lecturer pointing at a curve hid the top right panel's title under it ('true 4' of MNIST's last
               # mistake, 'output: softmax', 'MSE', 13 figures). Here it shows when the mouse is over it (the corner)
               ".nnviz-figure:not(:fullscreen) .plotly:hover .modebar--hover .modebar-group {opacity: 0;}"
               ".nnviz-figure:not(:fullscreen) .plotly:hover .modebar--hover:hover .modebar-group {opacity: 1;}"
               # an alert's text dark on its tinted box: the warning's mustard on cream (4.6:1) was weak on a
               # projector (moment 3's 'After 100 epochs it still makes mistakes', a lecturer's review); the box's
               # tint and icon still say which kind it is
               f"[data-testid='stAlertContainer'] {{color: {DARK_TEXT};}}")
# Streamlit's number inputs are <input type="number">, where Chromium drops a typed or pasted "−" (the minus sign the
# pages typeset, which a student copies) and ",": "−3" became 3 and "0,5" became 5, silently. Before the input takes
# them, "−" becomes "-" and, where the input takes decimals, "," a decimal point (in a seed "1,234" is 1234, as before).
# Once per window: the page's style element carries it.
NUMBER_TYPING_JS = r"""
if (!window.__nnvizNumberTyping) {
  window.__nnvizNumberTyping = true;
  document.addEventListener("beforeinput", (event) => {
    const input = event.target;
    const text = event.data ?? (event.dataTransfer && event.dataTransfer.getData("text/plain"));
    if (!(input instanceof HTMLInputElement) || input.type !== "number" || !text) return;
    const decimals = !Number.isInteger(Number(input.step));  // step 0.1 or "any"; a seed's is 1
    const minus = text.replace(/[\u2212\u2012\u2013\uFE63\uFF0D]/g, "-");
    const fixed = decimals ? minus.replace(/,/g, ".") : minus;
    if (fixed === text) return;
    event.preventDefault();
    document.execCommand("insertText", false, fixed);
  }, true);
}
"""

# The keys of the step and play buttons (STEP_SHORTCUT, ...) do nothing while the focus is in an <input>: Streamlit takes
# them for typing. A checkbox, toggle or radio button clicked with the mouse keeps the focus, and so does a dropdown's
# field after an option is clicked: a lecturer who ticked "show the test points" pressed P and nothing played (a helper's
# review). After such a click the focus leaves the field; toggled from the keyboard (Space), it stays.
KEYS_AFTER_CLICKS_JS = r"""
if (!window.__nnvizKeysAfterClicks) {
  window.__nnvizKeysAfterClicks = true;
  document.addEventListener("click", (event) => {
    if (event.detail === 0) return;  // a click made with the keyboard (Space, Enter): the focus stays
    const option = event.target instanceof Element && event.target.closest("[role='option']");
    const leave = () => {
      const field = document.activeElement;
      if (!(field instanceof HTMLInputElement)) return;
      // a dropdown's field whose menu is closed (one opened since, by another click, keeps its focus)
      const closedDropdown = option && field.getAttribute("role") === "combobox"
        && field.getAttribute("aria-expanded") !== "true";
      if (["checkbox", "radio"].includes(field.type) || closedDropdown) field.blur();
    };
    // once the widget has taken the click, and again a little later: on a busy machine a dropdown's field took the
    // focus back after the first try (the step key then typed into it: CI, 2026-12-06)
    for (const ms of [0, 150, 400]) setTimeout(leave, ms);
  }, true);
}
"""


def sidebar(page_path: str) -> None:
    """The settings every page shares (drawn once, by app.py, for the page at ``page_path``), and the page's style."""
    with st.sidebar:
        st.toggle("Lecture mode", key=LECTURE_MODE_KEY, bind="query-params",
                  help="Larger text and figures for a projector in a lecture hall (in a link: ?lecture_mode=true). "
                       f"A screen narrower than {WIDE} px (a phone) shows the page at its usual sizes.")
        _screen_size(page_path)
    st.html(f"<style>{PAGE_CSS}{LECTURE_CSS if lecture_mode() else ''}</style>"
            f"<script>{NUMBER_TYPING_JS}{KEYS_AFTER_CLICKS_JS}</script>",
            unsafe_allow_javascript=True)  # one element: see try_this


# --- Links: the address bar is the state ---------------------------------------------------------------------------
# Every widget that changes what is shown takes **URL: its value is in the page's link (the widget's key is the
# parameter's name, tests/test_links.py pins them) and it keeps its value for the session, also while it is not
# drawn and across page switches. Give its default with ``value=``, never through session state: Streamlit drops a
# URL value equal to the widget's default, so a default seeded through session state breaks links.
URL = {"bind": "query-params", "persist_state": "session"}
SECTION_NAMES = frozenset({"objectives", "try_this", "keras"})  # the sections every page has, by their keys
HIDE_PARAM = "hide"  # ?hide=name,name: controls (widget keys) or sections (SECTION_NAMES) a classroom link hides
LINKS_KEY = "nnviz_links"  # the session's PageLinks


class PageLinks:
    """What links did in this session, per page (by its URL path): the names a classroom link hid, the
    defaults of the page's URL-bound widgets (for Reset), the presets of its 'Try this' buttons and the
    lecture-plan moment it was opened as."""

    def __init__(self):
        self.hidden: dict[str, frozenset[str]] = {}
        self.defaults: dict[str, dict[str, object]] = {}
        self.last_page: str | None = None  # the URL path of the last page run
        self.presets: dict[str, dict[str, object]] = {}  # 'Try this' button key -> the values it sets
        self.moment: dict[str, int | None] = {}  # the lecture-plan moment the page was opened as
        self.unwritten: set[str] = set()  # preset widgets not drawn before: after_page writes them into the link
        self.lecture_mode_asked: list[str] = []  # a link's lecture_mode values that are no word for true or false


def _page_links() -> PageLinks:
    if LINKS_KEY not in st.session_state:
        st.session_state[LINKS_KEY] = PageLinks()
    return st.session_state[LINKS_KEY]


def _session_state():
    """Streamlit's own SessionState of this run (its query-param bindings and widget metadata are not public)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx().session_state._state


def _bound_widgets(script_hash: str) -> dict[str, object]:
    """The URL-bound widgets of one page script in this session: parameter name -> Streamlit's widget metadata
    (its value type and deserializer, which gives the default for None). Streamlit 1.67 keeps both in the
    session's query-param bindings and widget state, not in a public API; tests/test_links.py pins what this
    relies on."""
    state = _session_state()
    metadata = state._new_widget_state.widget_metadata
    return {key: metadata[b.widget_id] for key, b in state.query_params._bindings_by_param.items()
            if b.script_hash == script_hash and b.widget_id in metadata}


def _drawn_this_run(bound: dict[str, object]) -> dict[str, object]:
    """Of ``bound`` (as ``_bound_widgets``), the widgets this run drew (not those of a tab that is closed, whose
    parameter in a link just opened has not reached them yet)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    drawn = get_script_run_ctx().shared.widget_ids_this_run
    return {key: metadata for key, metadata in bound.items() if metadata.id in drawn}


def link_as_arrived(page) -> dict[str, list[str]] | None:
    """Call before the page runs. The query string of a link just followed: on the session's first run, on a
    page switch (a link to another page, or the navigation) and when a lecture-plan link names another moment;
    None on the page's own reruns, whose query string only echoes its widgets."""
    arrived = {key: st.query_params.get_all(key) for key in st.query_params}
    links = _page_links()
    if links.lecture_mode_asked:
        arrived[LECTURE_MODE_KEY] = links.lecture_mode_asked
    moment = moment_number(arrived.get(MOMENT_PARAM, []))
    if page.url_path == links.last_page and moment == links.moment.get(page.url_path):
        return None
    links.last_page = page.url_path
    for name in arrived:  # a link's settings win over the values the page kept from an earlier visit
        if name in st.session_state and name not in (LECTURE_MODE_KEY, HIDE_PARAM, MOMENT_PARAM):
            del st.session_state[name]
    if moment is not None:  # a lecture-plan moment opens its page as planned: what it does not name at its default
        # (Previous from moment 19 kept its η = 10). Set, not deleted: the browser keeps a widget's value unless
        # the server sets it.
        for name, default in links.defaults.get(page.url_path, {}).items():
            if name not in arrived:
                st.session_state[name] = default
        # a link to the page already open leaves the address bar as it was (Streamlit 1.67 updates it on a page
        # change only): written here, the server sends the link's query string, and the widgets' values follow it
        st.query_params[MOMENT_PARAM] = str(moment)
    # Streamlit 1.67 ignores invalid URL values, except a non-finite number (inf, nan, 1e400) for an integer
    # widget: int() of it raises OverflowError. Such values leave the link before the page runs.
    _drop_from_link([name for name, values in arrived.items() if any(map(_non_finite_number, values))])
    _unsigned_zeros(arrived)
    return arrived


def _unsigned_zeros(arrived: dict[str, list[str]]) -> None:
    """A signed zero in a link ('-0', '-0.00') becomes '0', '0.00' in ``arrived``, in what Streamlit seeds widgets
    from and in the address: a number widget took it as -0.0, and four pages wrote it '-0.00' (a helper's review)."""
    for name, values in arrived.items():
        unsigned = [_unsigned_zero(text) for text in values]
        if unsigned != values:
            arrived[name] = unsigned
            _rewrite_in_link(name, unsigned)


def _rewrite_in_link(name: str, values: list[str]) -> None:
    """The link's parameter ``name`` as ``values``, in the address and in what Streamlit seeds a widget bound to
    it from (the public st.query_params refuses to set a bound one)."""
    query_params = _session_state().query_params
    if name in query_params._initial_query_params:
        query_params._initial_query_params[name] = values
    query_params.set_with_no_forward_msg(name, values if len(values) > 1 else values[0])
    query_params._send_query_param_msg()


def _unsigned_zero(text: str) -> str:
    """'0.0' for '-0.0' (any zero written with a minus sign), else ``text``."""
    stripped = text.strip()
    try:
        return stripped[1:] if stripped.startswith("-") and float(stripped) == 0 else text
    except (ValueError, OverflowError):
        return text


def _non_finite_number(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except (ValueError, OverflowError):
        return False


def _drop_from_link(names: list[str]) -> None:
    """Take these parameters out of the link and out of what Streamlit seeds widgets from (the query string the
    run arrived with), bound or not: the public st.query_params refuses to delete a bound one."""
    query_params = _session_state().query_params
    for name in names:
        query_params._initial_query_params.pop(name, None)  # what bound widgets are seeded from
        query_params.remove_param(name)


def _asks_for_default(metadata, values: list[str]) -> bool:
    """Whether a URL value Streamlit removed was just the widget's default (removed to keep links short)
    rather than invalid. The same parse as Streamlit's own seeding from the URL."""
    from streamlit.runtime.state.query_params import parse_url_param

    try:  # compared as sent: a deserializer replaces an out-of-range value by the default
        asked = parse_url_param(values[0] if len(values) == 1 else values, metadata.value_type)
        return asked == metadata.serializer(metadata.deserializer(None))
    except (ValueError, TypeError, IndexError, OverflowError):
        return False


def number_choice(label: str, options: Sequence[float], value: float, *, key: str, **kwargs):
    """``st.select_slider`` over numbers, each written as a decimal ('0.00001', '10': Python's '1e-05' on the
    Playground's rate slider read as 1 times e minus 5, a student's review), bound to the URL. Streamlit takes a
    link's value only as an option's text; a lecturer who types ``1e-05``, ``100.0`` or ``.1`` gets that option."""
    _link_numbers_as_options(key, options, decimal_text)
    return st.select_slider(label, options, value, key=key, format_func=decimal_text, **URL, **kwargs)


def decimal_text(value: float) -> str:
    """A number written out as a decimal, without a trailing '.0': 0.00001, 0.1, 10, 32."""
    return format(decimal.Decimal(repr(float(value))).normalize(), "f")


def number_multiselect(label: str, options: Sequence[float], default: Sequence[float], *, key: str, **kwargs):
    """``st.multiselect`` over numbers, each shown as ``f"{v:g}"`` and bound to the URL, which takes a number as
    any equal text ('0.0950' or '.095' for 0.095 were refused, a helper's review)."""
    _link_numbers_as_options(key, options, _number_text)
    return st.multiselect(label, options, default=default, format_func=_number_text, key=key, **URL, **kwargs)


def _number_text(value: float) -> str:
    return f"{value:g}"


def _link_numbers_as_options(key: str, options: Sequence[float], text_of) -> None:
    """A link's values for the widget ``key`` rewritten, before Streamlit seeds it, as the texts (``text_of``) of
    the options they equal: Streamlit takes an option only by that very text."""
    initial = _session_state().query_params._initial_query_params  # what the widget is seeded from
    if key in initial:
        initial[key] = [_option_text(text, options, text_of) for text in initial[key]]


def _option_text(text: str, options: Sequence[float], text_of=str) -> str:
    """The text (``text_of``) of the option equal to the number ``text`` is (as is, if none is or it is no
    number)."""
    try:
        number = float(text)
    except (ValueError, OverflowError):
        return text
    return next((text_of(option) for option in options if float(option) == number), text)


def ignored_link_settings(arrived: dict[str, list[str]], bound: dict[str, object],
                          sections: frozenset[str] = frozenset()) -> list[str]:
    """What of the link the page was opened with it did not take, one 'name=value (why)' each: call after the
    page ran. Streamlit silently drops invalid or out-of-range values of bound widgets and clamps others; names
    that are no setting of this page stay in the URL unused."""
    now = _session_state().query_params
    ignored = []
    for name, values in arrived.items():
        shown = shortened(f"{name}={','.join(values)}")
        if name == HIDE_PARAM:
            unknown = sorted(hide_names(values) - set(bound) - sections)
            if unknown:
                ignored.append(shortened(f"hide={','.join(unknown)}") + " (nothing of that name on this page)")
        elif name == LECTURE_MODE_KEY:  # the sidebar's toggle (its words for true and false taken before)
            if any(text not in (LINK_TRUE, LINK_FALSE) for text in values):
                ignored.append(f"{shown} (Lecture mode is true or false)")
        elif name == MOMENT_PARAM:
            if moment_number(values) is None:
                ignored.append(f"{shown} (the lecture plan has moments 1–{len(LECTURE_PLAN)})")
        elif name not in bound:
            ignored.append(f"{shown} (no such setting is shown on this page now)")
        elif now.has_param(name):
            if now.get_all(name) != values:
                ignored.append(f"{shown} (out of range: {','.join(now.get_all(name))} used)")
        elif not _asks_for_default(bound[name], values):
            ignored.append(f"{shown} (not a valid value{_choices(bound[name])})")
    return ignored


def _choices(metadata) -> str:
    """'; the choices: SGD, Adam, RMSprop' for a widget with options (a link names them as the page labels them:
    'Adam', not 'adam'), else ''."""
    options = getattr(metadata, "formatted_options", None)
    return f"; the choices: {listed([str(o) for o in options], separator=', ')}" if options else ""


def hide_names(values: list[str]) -> frozenset[str]:
    """The names in ``?hide=a,b&hide=c``."""
    return frozenset(name.strip() for value in values for name in value.split(",") if name.strip())


def hide_css(names: frozenset[str]) -> str:
    """CSS that hides the widgets or sections of these keys (Streamlit gives each the class st-key-<key>; hidden
    widgets keep their values: they are still drawn)."""
    return "".join(f".st-key-{name} {{display: none;}}" for name in sorted(names) if name.replace("_", "").isalnum())


def streamlit_page(page) -> st.Page:
    """The st.Page of a course page (a ``nnviz.course.PageInfo``): app.py's navigation is made of them, and a link
    given one works where the page's path would not (in a fragment rerun, which runs no st.navigation)."""
    return st.Page(page.script, title=page.title, icon=page.icon, url_path=page.key)


def moment_link(number: int, label: str | None = None) -> None:
    """A link to moment ``number`` (1-based) of the lecture plan: its page with its settings."""
    moment = LECTURE_PLAN[number - 1]
    page = PAGES_BY_KEY[moment.page]
    # Lecture mode stays on, also where the lecturer opens the link in a new tab (say every moment of the plan in
    # one before the lecture): the new tab is a new session, whose toggle only the link can switch on. Followed in
    # the same tab the toggle (bound to the address) adds it again: lecture_mode_as_linked keeps one.
    lecture = {LECTURE_MODE_KEY: LINK_TRUE} if lecture_mode_switched_on() else {}
    st.page_link(page.script, label=label or f"{page.title}: {moment.show}", icon=page.icon,
                 query_params={**moment.settings, MOMENT_PARAM: str(number), **lecture})


MOMENTS_KEY = "lecture_plan_moments"


def moment_list() -> None:
    """Every moment of the lecture plan, in order, as a link to its page whose label wraps (a page link keeps its
    label on one line: on a phone "what to show" was cut mid-word)."""
    st.html(f"<style>.st-key-{MOMENTS_KEY} [data-testid='stPageLink'] :is(span, p, div) {{white-space: normal;}}</style>")
    with st.container(key=MOMENTS_KEY):
        for number, moment in enumerate(LECTURE_PLAN, start=1):
            moment_link(number, label=f"{number}. {PAGES_BY_KEY[moment.page].title}: {moment.show}")


# Keyboard keys of the buttons that walk through a process, the same on every page: a lecturer who scrolled down to
# a step's formula (or a figure) presses a key instead of scrolling back up to the button
STEP_SHORTCUT, BACK_SHORTCUT, PLAY_SHORTCUT = "S", "B", "P"

PAGE_TOP_KEY = "page_top"  # app.py's container above the page
MOMENT_BAR_KEY = "moment_bar"
# the bar stays at the top of the window (under Streamlit's header) while the page scrolls to the moment's element:
# the wrapper of the container above the page sticks (a sticky element stays inside its parent, and the bar's and
# that container's are only as tall as they are); not on a phone, where its columns stack into a seventh of the screen
MOMENT_BAR_CSS = (f"@media (min-width: {WIDE}px) {{[data-testid='stLayoutWrapper']:has(> .st-key-{PAGE_TOP_KEY} "
                  f".st-key-{MOMENT_BAR_KEY}) {{position: sticky; top: 3.75rem; z-index: 990; background: white;"
                  " border-bottom: 1px solid #E6EAF1;}}"
                  # Previous / Next look alike whether or not they go to the page already open (st.page_link marks a
                  # link to the current page with a background and bold text)
                  f".st-key-{MOMENT_BAR_KEY} [data-testid='stPageLink-NavLink']:not(:hover) "
                  "{background-color: transparent;}"
                  f".st-key-{MOMENT_BAR_KEY} [data-testid='stPageLink-NavLink'] * {{font-weight: 400;}}"
                  # what to show, read from the back of a hall: dark, not the caption's grey
                  f".st-key-{MOMENT_BAR_KEY} [data-testid='stCaptionContainer'] {{opacity: 1;}}")
# Scrolls the moment's element (or a Try-this button's first widget) into view once its page has drawn, leaving room
# at the top for Streamlit's header and the moment bar; and again each time the page's height changes while figures
# above it draw (at fixed times only, a figure that drew late left the page one section higher), until the lecturer
# scrolls, clicks or types, or a minute on (8 s after opening was too short on a loaded machine: the page was still
# drawing then, and a figure drawn later pushed the moment down, 2026-12-07; so was "once its height has kept still
# for 8 s", which failed the same way beside CI's run).
_SCROLL_JS = """
export default function ({ data }) {
  const scroll = () => {
    const element = document.querySelector(`.st-key-${data.key}`);
    if (!element) return;
    const wide = window.innerWidth >= data.wide;  // its row, controls beside it; on a phone the columns stack
    const target = (wide && element.closest("[data-testid='stHorizontalBlock']")) || element;
    const bar = wide && document.querySelector(`.st-key-${data.bar}`);  // it sticks under the header when wide
    // below the header and the bar as tall as it is (a moment's step buttons make it taller): the bar's sticky wrapper
    const sticky = bar && document.querySelector(`.st-key-${data.top}`).parentElement;
    target.style.scrollMarginTop = sticky ? `${parseFloat(getComputedStyle(sticky).top) + sticky.offsetHeight + 8}px`
                                          : "4.5rem";
    target.style.scrollMarginBottom = "8px";
    target.scrollIntoView({ block: data.block });
  };
  const done = new AbortController();
  const page = document.querySelector("[data-testid='stMainBlockContainer']");
  const observer = new ResizeObserver(scroll);
  const stop = () => { observer.disconnect(); done.abort(); };
  for (const name of ["wheel", "touchstart", "mousedown", "keydown"])
    window.addEventListener(name, stop, { capture: true, signal: done.signal });
  setTimeout(() => { scroll(); if (page && !done.signal.aborted) observer.observe(page); }, 300);
  setTimeout(stop, 60000);
}
"""
_SCROLL = st.components.v2.component("nnviz_scroll_to", html="<span></span>", js=_SCROLL_JS)


def scroll_to(element_key: str, *, key: str, block: str = "start") -> None:
    """Once the page has drawn, the element of ``element_key`` (its row, on a wide screen) at the window's top; with
    ``block="nearest"`` scrolled only as far as it takes to show it whole, the element the student clicked above it
    still in view. Its class is st-key-<key> with what a class cannot hold written '-' (a preset's key
    'gd1_lr_much too large')."""
    _SCROLL(data={"key": re.sub(r"[^A-Za-z0-9_-]", "-", element_key), "wide": WIDE, "bar": MOMENT_BAR_KEY,
                  "top": PAGE_TOP_KEY, "block": block}, key=key, height=0)


def moment_bar(number: int) -> None:
    """Where the page stands in the lecture plan, with links to the moments before and after it (kept at the top of
    the window)."""
    moment = LECTURE_PLAN[number - 1]
    st.html(f"<style>{MOMENT_BAR_CSS}</style>")
    # a moment's step buttons in a column of their own beside what to show: under it, they made the bar 70 px taller
    columns = st.container(key=MOMENT_BAR_KEY).columns([1, 2.2, 0.8, 1] if moment.steps else [1, 3, 1],
                                                       vertical_alignment="center")
    before, here, after = columns[0], columns[1], columns[-1]
    with before:
        if number > 1:
            moment_link(number - 1, label="◀ Previous")
    here.caption(f"Lecture plan, moment {number} of {len(LECTURE_PLAN)}: {moment.show}")
    for j, (label, values) in enumerate(moment.steps):  # back to the moment's element after it (as Try this does)
        columns[2].button(label, key=f"moment_{number}_step_{j}", on_click=try_preset,
                          args=(dict(values), moment.focus))
    with after:
        if number < len(LECTURE_PLAN):
            moment_link(number + 1, label="Next ▶")


def moment_number(values: list[str]) -> int | None:
    """The lecture-plan moment a link names (?moment=3), or None if it names none that exists."""
    try:
        number = int(values[-1])
    except (ValueError, IndexError):
        return None
    return number if 1 <= number <= len(LECTURE_PLAN) else None


def opened_as_moment(page) -> int | None:
    """The lecture-plan moment this page was opened as, if that moment is one of this page."""
    moment = _page_links().moment.get(page.url_path)
    return moment if moment is not None and LECTURE_PLAN[moment - 1].page == page.url_path else None


def view_query(values: Mapping[str, object], bound: Mapping[str, object]) -> dict[str, str | list[str]]:
    """The query string of the view as it is: every URL-bound widget (parameter name -> Streamlit's widget
    metadata, as ``_bound_widgets``) whose value differs from its default, written as Streamlit writes it into the
    address bar. Built from the widgets' values, not from the server's ``st.query_params``, which lags behind the
    browser's after a section reran on its own."""
    from streamlit.runtime.state.query_params import _coerce_value_for_query_url

    query = {}
    for name, metadata in sorted(bound.items()):
        if name in values and values[name] != metadata.deserializer(None):
            query[name] = _coerce_value_for_query_url(metadata.serializer(values[name]), metadata.value_type)
    return query


def view_link(page) -> str:
    """The link to this page as it is now: its settings, and the Lecture mode, hidden controls and lecture-plan
    moment it was opened with. Absolute where the browser told the server its address (st.context.url)."""
    links = _page_links()
    bound = _bound_widgets(page._script_hash)
    query = view_query({name: st.session_state[name] for name in bound if name in st.session_state}, bound)
    if lecture_mode_switched_on():
        query[LECTURE_MODE_KEY] = LINK_TRUE
    hidden = links.hidden.get(page.url_path)
    if hidden:
        query[HIDE_PARAM] = ",".join(sorted(hidden))
    moment = opened_as_moment(page)
    if moment is not None:
        query[MOMENT_PARAM] = str(moment)
    address = st.context.url or f"/{page.url_path}"
    return address + ("?" + urllib.parse.urlencode(query, doseq=True, safe=",") if query else "")


def link_box(page) -> None:
    """'Copy link to this view', an expander in the sidebar (a popover there is cut off at 1280×720): opening it
    reruns the whole app, so the link holds every section's newest values even after sections reran on their
    own; st.code gives the copy button."""
    with st.expander("Copy link to this view", icon=":material/link:", on_change="rerun", key="nnviz_link") as box:
        if box.open:
            st.code(view_link(page), language=None, wrap_lines=True)
            st.caption("Copy it with the button at its top right. Opened in any browser, it shows this page with "
                       "these settings; add &hide=keras (widget keys or sections) to hide parts of it.")


def reset_page(url_path: str) -> None:
    """Every URL-bound widget of the page back to its default (a button's on_click: before the page runs)."""
    apply_preset(_page_links().defaults.get(url_path, {}))


def after_page(page, arrived: dict[str, list[str]] | None, top, notice) -> None:
    """Call after the page ran: keeps the page's defaults for Reset, shows the lecture plan's Previous / Next in
    ``top`` and what of a newly opened link was ignored in ``notice`` (containers above the page; the first sticks
    to the window's top, so the notice is not in it: it took a third of a projector's screen at every step), hides
    what a classroom link hides, and draws the sidebar's Reset button."""
    links = _page_links()
    bound = _bound_widgets(page._script_hash)
    defaults = links.defaults.setdefault(page.url_path, {})
    defaults.update({key: metadata.deserializer(None) for key, metadata in bound.items()})
    if arrived is not None:
        if HIDE_PARAM in arrived or page.url_path not in links.hidden:
            links.hidden[page.url_path] = hide_names(arrived.get(HIDE_PARAM, []))
        elif links.hidden[page.url_path]:  # back on a page a classroom link opened: still as the link had it (a
            # trip to another page brought its hidden controls back, a helper's review), in the address too
            st.query_params[HIDE_PARAM] = ",".join(sorted(links.hidden[page.url_path]))
        links.moment[page.url_path] = moment_number(arrived.get(MOMENT_PARAM, []))
        ignored = ignored_link_settings(arrived, bound, SECTION_NAMES)
        if ignored:
            notice.warning("This link asked for settings the page could not use, so it ignored them: "
                           + listed(ignored) + ".", icon=":material/link_off:")
    moment = opened_as_moment(page)
    if moment is not None:
        with top:
            moment_bar(moment)
            focus = LECTURE_PLAN[moment - 1].focus
            if arrived is not None and focus:  # just opened as this moment: to its element, once
                # a key per moment: Next from 14 to 15 (the same page, the same element) made no new component, so
                # the page stayed where the lecturer had scrolled
                scroll_to(focus, key=f"nnviz_scroll_to_{moment}")
    hidden = links.hidden.get(page.url_path, frozenset())
    if hidden:
        st.html(f"<style>{hide_css(hidden)}</style>")
    if links.unwritten:  # a preset's widgets drawn for the first time, now that Streamlit knows them
        _write_to_link({key: st.session_state[key] for key in links.unwritten if key in st.session_state}, bound)
        links.unwritten.clear()
    # A setting in the address bar that the widget drawn no longer holds: a select box whose options changed takes
    # its first option, and Streamlit left the old value in the address (softmax's true class 2 once a preset made
    # the classes 2, a helper's review: a copied address bar opened another page than the one shown)
    drawn = _drawn_this_run(bound)
    _write_to_link({key: st.session_state[key] for key in drawn if key in st.query_params and key in st.session_state},
                   drawn)
    with st.sidebar:
        st.button("Reset this page", key="nnviz_reset", on_click=reset_page, args=(page.url_path,),
                  help="Every setting of this page back to its default (the link then has no settings).")
        link_box(page)


def page_header(page_key: str) -> None:
    """Title, what the page lets you see, the objectives it serves and where to read more."""
    page = PAGES_BY_KEY[page_key]
    st.title(page.title)
    st.markdown(f"**{page.lead}**")
    reading = "\n\n**Read or watch**\n" + "\n".join(f"- {r}" for r in page.reading) if page.reading else ""
    with st.expander("Learning objectives and reading", expanded=False, key="objectives"):
        # one element: every element on a page costs each slider's redraw (Streamlit re-renders the whole page twice
        # a run, see try_this)
        st.markdown("**Learning objectives served**\n"
                    + "\n".join(f"- {objective_text(k, page_key)}" for k in page.objectives) + reading)


# --- Sections that rerun on their own ----------------------------------------------------------------------------
# A page is a sequence of sections. A section whose inputs are its own is a fragment with a key: moving its slider
# reruns and resends that section only. A widget whose value other sections use says which ones (``reruns``):
# its change reruns exactly those (Streamlit >= 1.67: st.rerun(keys) from a widget callback), or the whole page.
# A section that reads another section's widget reads it from st.session_state (a fragment's arguments are those
# of the last full run). NNVIZ_FRAGMENTS=0 makes every section a plain function, so every change reruns the page:
# the AppTest tests run that way (after a fragment rerun AppTest keeps only the rerun fragments' elements), and
# tests/test_sections.py checks the fragments themselves.
KERAS_SECTION = "keras"  # the Keras panel's fragment key: its code follows widgets of several sections


def fragments_on() -> bool:
    return os.environ.get("NNVIZ_FRAGMENTS", "1") != "0"


def section_fragment(key: str):
    """Decorator: the page section runs as the fragment ``key`` (a plain function with NNVIZ_FRAGMENTS=0)."""

    def decorate(fn):
        return st.fragment(fn, key=key) if fragments_on() else fn

    return decorate


class Places:
    """Sections at several places of a page, rerun together as one fragment ``key``: for sections that always
    rerun together (the same widgets are their inputs), drawn apart by the text between them.

    ``here(section)`` makes an empty container where it is called; ``fill()``, called once every place is made,
    runs the fragment, which draws each section in its container (Streamlit >= 1.67: a fragment may write to
    containers made outside it). Streamlit copies a fragment's layout context at every rerun, about 0.3 ms a
    fragment on this machine: softmax's temperature reran eight, 2.3 ms of its 26 ms (docs/PERFORMANCE.md). A
    page's ``Places`` is made anew at every full run, with that run's containers."""

    def __init__(self, key: str):
        self.key = key
        self._places: list[tuple[DeltaGenerator, Callable[[], None]]] = []

    def here(self, section: Callable[[], None]) -> None:
        self._places.append((st.container(), section))

    def fill(self) -> None:
        section_fragment(self.key)(self._draw_sections)()

    def _draw_sections(self) -> None:
        for container, section in self._places:
            with container:
                section()


def _rerun_sections(sections: tuple[str, ...]) -> None:
    try:
        st.rerun(list(sections) if sections else "app")
    except StreamlitAPIException as error:
        # A widget of the page the student just left (its change came with the page switch): that page's sections
        # are not in this run, which goes on as the full run of the page now shown.
        if getattr(error, "error_id", None) != "rerun-unknown-fragment-key":
            raise


def then_rerun(action, *sections: str):
    """A widget callback: ``action()``, then rerun exactly the fragments ``sections`` (as ``reruns`` does), for a
    button whose click changes page state that those sections show."""

    def callback() -> None:
        action()
        if fragments_on():
            _rerun_sections(sections)

    return callback


def reruns(*sections: str) -> dict:
    """Keyword arguments for a widget whose value the fragments ``sections`` use (name the widget's own section
    too): its change reruns exactly those. With no sections: the whole page. A widget without it reruns its own
    fragment only (inside one) or the whole page (outside)."""
    return {"on_change": _rerun_sections, "args": (sections,)} if fragments_on() else {}


def section(title: str, widths: int | Sequence[float] = (1, 2)) -> list:
    """The usual section: its header, then columns (``st.columns(widths)``; by default controls beside the
    figure they drive)."""
    st.header(title)
    return st.columns(widths)


def figure_and_notes(widths: Sequence[float]) -> list:
    """A figure's column and its notes' column beside it (``st.columns(widths)``); in Lecture mode two containers,
    the notes under the figure, both the page's width: beside it, at the projector's text size, notes ran a screen
    and a half down (gradient descent), and a diagram got narrower than its labels are placed for (backprop)."""
    return [st.container(), st.container()] if lecture_mode() else st.columns(widths)


def table(columns: dict[str, Sequence]) -> None:
    """A static table of ``columns`` (name -> values), without an index column, its numbers written with minus signs
    (formatting.with_minus_signs). Sent as an Arrow table: from a dict, st.table goes through pandas and looks at the
    index to decide whether to show it, ~2 ms a table at every rerun against 0.2 ms."""
    st.table(_arrow_table(columns), hide_index=True)


def data_table(columns: dict[str, Sequence], *, key: str, height: int) -> None:
    """A table of numbers ``height`` px high at most (it scrolls). In Lecture mode a static table (st.table), whose
    text grows with the page's: st.dataframe draws on a canvas in its own small font, unreadable on a projector."""
    if lecture_mode():
        with st.container(key=key):  # the key's class, as the dataframe's (a classroom link can hide it)
            st.table(_arrow_table(columns), hide_index=True, height=height)
    else:
        st.dataframe(_arrow_table(columns), hide_index=True, height=height, key=key)


def _arrow_table(columns: dict[str, Sequence]) -> pa.Table:
    """``columns`` as an Arrow table, the numbers its texts write with minus signs (a column of floats is Streamlit's
    to write)."""
    return pa.table({name: [with_minus_signs(v) if isinstance(v, str) else v for v in values]
                     for name, values in columns.items()})


def for_the_screen(fig: go.Figure) -> go.Figure:
    """The figure as drawn: a copy with larger fonts and height in lecture mode, else the figure itself."""
    if not lecture_mode():
        return fig
    return scaled_fonts(fig, LECTURE_FONT_FACTOR, lecture_height_factor(figure_height(fig), lecture_view_height(fig)))


# Plotly's mode bar, shown on hover, without the buttons no figure here needs (selecting points by box or lasso,
# zooming by steps, autoscale beside reset) or should offer (uploading the chart to Plotly's cloud): its 11 buttons
# spanned a third of a figure's width and lay over panels' titles ('accuracy' on the MNIST curves, a review)
MODE_BAR = {"modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                                       "sendChartToCloud"]}


def show_figure(fig: go.Figure, *, key: str | None = None, on_select=None):
    """Draw a plotly figure, scaled up in lecture mode.

    With ``on_select`` (a callback, or "rerun") clicking a point selects it: the chart's selection
    event is returned and kept in ``st.session_state[key]`` (a ``st.plotly_chart``). Without it, a figure
    with a key is drawn in place (the component below), so that a slider's redraw costs a Plotly.react and not
    a new chart.
    """
    if key is not None and on_select is None and in_place_figures():
        return _in_place(fig, key, _FIGURE, {})
    fig = plotly_figure(for_the_screen(fig))
    selection = {"on_select": on_select, "selection_mode": "points"} if on_select else {}
    # no mode bar on a phone: a touch screen shows it all the time, over the figure's titles (as in place, see below)
    config = {"displaylogo": False, **MODE_BAR, **({"displayModeBar": False} if small_screen() else {})}
    return st.plotly_chart(fig, width="stretch", key=key, config=config, **selection)


def in_place_figures() -> bool:
    """Whether keyed figures are drawn in place (NNVIZ_IN_PLACE_FIGURES=0: as st.plotly_chart, to compare)."""
    return os.environ.get("NNVIZ_IN_PLACE_FIGURES", "1") != "0"


# Drawing a figure in place. st.plotly_chart gives a chart whose figure changed a new identity, so the browser
# throws the old chart away and builds a new one (Plotly.newPlot, with its mode bar and DOM). The components below
# keep one Plotly chart per key and update it with Plotly.react: a trace that has not changed keeps its object,
# and Plotly.react, which compares arrays by reference, skips it; a figure that has not changed at all (another
# section's rerun resent it) is not drawn again. They use the Plotly that Streamlit's own chart code sets as
# window.Plotly, loading that code (Streamlit's PlotlyChart chunk) on a page that has no st.plotly_chart.
# st.plotly_chart has a fullscreen button in Streamlit's element toolbar; a figure drawn in place has one in Plotly's
# mode bar instead (a projector shows a figure alone at the screen's height; Esc leaves).
# The code that draws them is static/nnviz_figure.js, which Streamlit serves (server.enableStaticServing): a figure's
# message carries a few lines that load it, instead of its 5.6 kB (a fifth to a third of what a slider's redraw
# sent), and the browser loads it once a page. Its address follows Streamlit's own scripts', as Plotly's does.
FIGURE_MODULE = "nnviz_figure.js"
FIGURE_CODE = Path(__file__).resolve().parent.parent / "static" / FIGURE_MODULE


def figure_loader(static_serving: bool) -> str:
    """The start of a figure component's code: ``drawing``, a promise of the module that draws figures. Loaded from
    the app's static files where the server serves them; else (a host that turns server.enableStaticServing off)
    the module's code itself, sent with every figure, as before."""
    if not static_serving:
        return FIGURE_CODE.read_text() + "\nconst drawing = Promise.resolve({drawFigure});\n"
    return f"""const index = document.querySelector("script[src*='static/js/index.']");
const drawing = import(new URL(index ? "../../app/static/{FIGURE_MODULE}" : "app/static/{FIGURE_MODULE}",
                               index ? index.src : document.baseURI).href);
"""


_FIGURE_ENTRY = """
export default function (component) {
  drawing.then(module => module.drawFigure(component));
}
"""
# A figure that changes many times a second (the Playground while it plays): when a frame arrives it asks the
# server for the next one ("next": the fragment reruns) and draws this one meanwhile, so the server computes a
# frame while the browser draws the one before, and never more than one frame ahead. Draw it last in its run:
# the request for the next frame must not interrupt the rest of this one.
_LIVE_FIGURE_ENTRY = """
export default function (component) {
  component.setTriggerValue("next", component.data.frame);
  setTimeout(() => drawing.then(module => module.drawFigure(component)), 0);  // after this task
}
"""
_STATIC_SERVING = bool(st.get_option("server.enableStaticServing"))
FIGURE_COMPONENT = "nnviz_figure"  # the component's name, as AppTest and the benchmarks find its elements
_FIGURE = st.components.v2.component(FIGURE_COMPONENT, html="<div class='nnviz-figure'></div>",
                                     js=figure_loader(_STATIC_SERVING) + _FIGURE_ENTRY, isolate_styles=False)
_LIVE_FIGURE = st.components.v2.component("nnviz_live_figure", html="<div class='nnviz-figure nnviz-live-figure'></div>",
                                          js=figure_loader(_STATIC_SERVING) + _LIVE_FIGURE_ENTRY, isolate_styles=False)


# Every chart on a page, in the browser (tests and benchmarks): a st.plotly_chart or a figure drawn in place
CHART_SELECTOR = "[data-testid='stPlotlyChart'], .nnviz-figure"
# True in the browser once nothing is loading and every chart has drawn its traces (a heatmap draws g.hm)
CHARTS_DRAWN_JS = f"""(document.querySelectorAll("[data-testid='stSkeleton']").length === 0 &&
    [...document.querySelectorAll("{CHART_SELECTOR}")].every(c => c.querySelector('.main-svg g.trace, .main-svg g.hm')))"""


def _plotly_chunk() -> str:
    """The file name of Streamlit's PlotlyChart code (it sets window.Plotly), e.g. PlotlyChart.D9Z0_fxz.js."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if found else "PlotlyChart.js"


PLOTLY_CHUNK = _plotly_chunk()


def drawn(fig: go.Figure) -> tuple[int | str, str]:
    """The figure as drawn (``for_the_screen``): its element's height and its JSON. Kept on the figure, because a
    figure of ``cache_figure`` is shared and never changed: a rerun that draws it again sends the same text without
    making it again (a figure's JSON costs a copy of it and its arrays in base64). A figure with a layout for narrow
    places changes its height with its place: its element's height is "content", the figure's as drawn."""
    attr = "_nnviz_drawn_lecture" if lecture_mode() else "_nnviz_drawn"
    made = getattr(fig, attr, None)
    if made is None:
        screen = for_the_screen(fig)
        height = "content" if has_narrow_layout(screen) else int(figure_height(screen) or 450)
        made = (height, figure_json(screen))
        setattr(fig, attr, made)  # two sessions may both make it: the same value
    return made


_IN_PLACE_CONFIG = {"displaylogo": False, "responsive": True, **MODE_BAR}


def _in_place(fig: go.Figure, key: str, component, data: dict, **kwargs):
    """Mount ``component`` (one of the two above) with the figure (before ``for_the_screen``); ``data`` adds to
    or replaces what is sent (the figure, the Plotly chunk, the Plotly config)."""
    height, text = drawn(fig)
    return component(key=key, height=height, **kwargs,
                     data={"figure": text, "plotly": PLOTLY_CHUNK, "config": _IN_PLACE_CONFIG, **data})


def live_figure(fig: go.Figure, *, key: str, frame: int, on_next) -> None:
    """Draw a figure that is redrawn many times a second, in place (scaled up in lecture mode). Place it in
    a fragment and draw it last there: when the browser has it, ``on_next`` is called and the fragment reruns
    for the next frame."""
    _in_place(fig, key, _LIVE_FIGURE, {"frame": frame, "config": {**_IN_PLACE_CONFIG, "displayModeBar": False}},
              on_next_change=on_next)


class FramePacer:
    """Spaces the live frames of every session playing in this server at once.

    All sessions run their Python in one process (one GIL), so sessions that play share about one core. A
    session's next frame is due ``period`` after its last one began, where the period grows with what all
    playing sessions spent on their last frames: together they use at most ``share`` of a core, so the
    server stays responsive and each frame, once begun, is computed quickly. ``record`` is also where a
    benchmark can read every frame's time.
    """

    def __init__(self, period: float, share: float = 0.5, idle_after: float = 2.0):
        self.period, self.share, self.idle_after = period, share, idle_after
        self._lock = threading.Lock()
        self._frames: dict[str, tuple[float, float, float]] = {}  # session -> (start, end, CPU seconds)

    def _active(self, now: float) -> list[tuple[float, float, float]]:
        """The last frames of the sessions that drew one in the last ``idle_after`` seconds."""
        with self._lock:
            return [f for f in self._frames.values() if f[1] > now - self.idle_after]

    def playing(self, now: float | None = None) -> int:
        """How many sessions drew a frame in the last ``idle_after`` seconds."""
        return len(self._active(time.monotonic() if now is None else now))

    def wait(self, session: str, now: float | None = None) -> float:
        """Seconds until this session's next frame is due."""
        now = time.monotonic() if now is None else now
        with self._lock:
            mine = self._frames.get(session)
        period = max(self.period, sum(cpu for _, _, cpu in self._active(now)) / self.share)
        return 0.0 if mine is None else max(0.0, mine[0] + period - now)

    def record(self, session: str, start: float, end: float, cpu: float) -> None:
        """A frame of ``session`` ran from ``start`` to ``end`` (time.monotonic) using ``cpu`` thread seconds."""
        with self._lock:
            self._frames[session] = (start, end, cpu)
            for other in [k for k, f in self._frames.items() if f[1] < end - 60]:
                del self._frames[other]  # sessions that stopped long ago


FRAME_PACER = FramePacer(period=0.1)  # live figures: at most 10 frames a second per session


# --- Keras jobs: in the worker processes of nnviz.training_service ----------------------------------------------


def _session_alive(session_id: str) -> bool:
    """Whether a browser session still exists (True when there is no runtime to ask, as under AppTest)."""
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


_TRAINING_SERVICE = None
_TRAINING_SERVICE_LOCK = threading.Lock()


def training_service():
    """The server's one pool of Keras workers, sized from ``[training]`` in .streamlit/secrets.toml and the
    NNVIZ_* environment variables (the environment wins; README: "Serving a large class").

    Kept in this module rather than in st.cache_resource: clearing Streamlit's caches (its menu, or a test) would
    drop the pool while its workers, TensorFlow loaded, went on running, and the next press would start another."""
    global _TRAINING_SERVICE
    import os

    from nnviz import training_service as ts

    with _TRAINING_SERVICE_LOCK:
        if _TRAINING_SERVICE is None:
            try:
                configured = dict(st.secrets.get("training", {}))
            except Exception:  # noqa: BLE001 -- no secrets.toml (or an unreadable one): the environment and defaults
                configured = {}
            settings = ts.PoolSettings.from_settings(configured, os.environ)
            _TRAINING_SERVICE = ts.TrainingService(settings, owner_alive=_session_alive)
        return _TRAINING_SERVICE


def prewarm_keras() -> None:
    """A page with a Keras button calls this as it opens: a worker starts loading TensorFlow in the background, so
    the first press does not wait for it. Only in a real server (not in AppTest, whose tests start workers as they
    need them)."""
    from streamlit.runtime import Runtime

    if Runtime.exists():
        training_service().warm_up()


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


JOB_PENDING_NOTE = ("Another Keras job of yours is still finishing (started on another page); press the button "
                    "again in a moment.")  # one Keras job per session


def queue_note(view) -> str:
    """What a student waiting for a worker reads."""
    ahead = view.position - 1
    others = f"{ahead} job{'s' if ahead != 1 else ''} ahead of yours" if ahead else "yours is next"
    return (f"Every Keras worker of this server is busy: {others}. Estimated wait: about "
            f"{max(1, round(view.wait_seconds))} s.")


_SHARED_RESULTS: dict[str, object] = {}  # results every session may reuse (``run_job(..., share=True)``)
_SHARED_LIMIT = 32


def run_job(spinner_text: str, function, *, share: bool = False, **kwargs):
    """``function(**kwargs)`` in a Keras worker, waiting under a spinner (with the place in the queue when the
    workers are busy). Returns its result, or None after telling the student what went wrong. With ``share``
    the result is kept for every session that asks for the same job (e.g. the same seed): a class pays once.

    If the run is cut short (the student changed a widget), the job is stopped: nobody would read its result.
    """
    import hashlib
    import pickle

    from nnviz import training_service as ts

    key = None
    if share:
        key = hashlib.sha256(pickle.dumps((ts.function_path(function), sorted(kwargs.items())))).hexdigest()
        if key in _SHARED_RESULTS:
            return _SHARED_RESULTS[key]
    service = training_service()
    try:
        job = service.submit(session_id(), function, kwargs)
    except ts.JobPending:
        st.warning(JOB_PENDING_NOTE)
        return None
    note = st.empty()

    def show(view) -> None:
        if view.state == ts.QUEUED and view.position:
            note.info(queue_note(view))
        elif view.state == ts.RUNNING:
            note.empty()

    finished = False
    try:
        with st.spinner(spinner_text):
            view = service.wait(job, on_update=show)
        finished = True
    finally:
        if not finished:
            service.stop(job)
    note.empty()
    service.forget(job)
    if view.state != ts.DONE:
        first_line = (view.error or "it was cancelled").splitlines()[0]
        st.error(f"The Keras job did not finish: {first_line} Please try again.")
        return None
    if key is not None:
        _SHARED_RESULTS[key] = view.result
        while len(_SHARED_RESULTS) > _SHARED_LIMIT:
            _SHARED_RESULTS.pop(next(iter(_SHARED_RESULTS)))
    return view.result


@dataclass(frozen=True)
class Experiment:
    """A 'Try this' prompt. Each preset is a button (its label, then widget key -> value) that makes the settings
    the prompt names: one click in a lecture instead of dragging sliders in front of the room. The page then scrolls
    to ``focus`` (an element's key), or else to the first widget the preset sets."""

    text: str
    presets: tuple[tuple[str, Mapping[str, object]], ...] = ()
    focus: str | None = None


_SCROLL_ASKED = "nnviz_scroll_asked"  # session key: (element key or None, block, requests so far)


def scroll_after_this_run(element_key: str, block: str = "start") -> None:
    """In a widget's callback: the run it starts scrolls to the element of ``element_key`` (``scroll_to``), where
    that run calls ``scroll_if_asked``."""
    count = st.session_state.get(_SCROLL_ASKED, (None, block, 0))[2] + 1
    st.session_state[_SCROLL_ASKED] = (element_key, block, count)


def scroll_if_asked() -> None:
    """The scroll a callback asked for (``scroll_after_this_run``), once: in the run the callback started (a new key
    each time: a new component, whose script runs again)."""
    target, block, count = st.session_state.get(_SCROLL_ASKED, (None, "start", 0))
    if target:
        st.session_state[_SCROLL_ASKED] = (None, block, count)
        scroll_to(target, key=f"nnviz_scroll_{count}", block=block)


def try_preset(values: Mapping[str, object], focus: str | None = None) -> None:
    """A Try-this button's on_click: the preset, then (when the page has run) the page scrolled to ``focus``, or to
    the first widget it sets, with its section beside it: from the box at the page's end the change was out of
    sight."""
    apply_preset(values)
    scroll_after_this_run(focus or next(iter(values)))


def apply_preset(values: Mapping[str, object]) -> None:
    """A preset button's on_click (before the page runs): the widgets take these values, the link follows."""
    _drop_from_link(list(values))  # a widget whose range changes with these values must not be seeded from the link
    for key, value in values.items():
        st.session_state[key] = value
    # Streamlit writes a value set through session state into the address bar when its widget is drawn again; a
    # widget drawn for the first time (gd2_w1_valleys after another surface) takes it without writing it: after_page
    # does
    bound = _session_state().query_params._bindings_by_param
    _page_links().unwritten.update(key for key in values if key not in bound)


def _write_to_link(values: Mapping[str, object], bound: Mapping[str, object]) -> None:
    """Write these values of URL-bound widgets (``bound``: as ``_bound_widgets``) into the address bar, as Streamlit
    writes them (a value equal to the widget's default leaves the link)."""
    query_params = _session_state().query_params
    for key, value in values.items():
        widget = bound.get(key)
        if widget is None:
            continue
        serialized = widget.serializer(value)
        if value == widget.deserializer(None):
            query_params.remove_param(key)
        elif not query_params.stored_param_matches_corrected_value(key, serialized, widget.value_type):
            query_params.set_corrected_value(key, serialized, widget.value_type)


def try_this(prompts: Sequence[str | Experiment], page_key: str) -> None:
    """The 'Try this' box: concrete experiments and what to notice, with a button for each preset."""
    presets = _page_links().presets
    with st.container(key="try_this"):
        st.subheader("Try this")
        for i, prompt in enumerate(prompts, start=1):
            prompt = prompt if isinstance(prompt, Experiment) else Experiment(prompt)
            if not prompt.presets:
                st.markdown(f"{i}. {prompt.text}")
                continue
            # the prompt, then its buttons in a row: a horizontal container is 2 blocks where st.columns were 5, and
            # every block and element on a page costs each slider's redraw (Streamlit re-renders the whole page when
            # a run starts and when it ends: ~0.45 ms an element on this machine, docs/PERFORMANCE.md)
            st.markdown(f"{i}. {prompt.text}")
            with st.container(horizontal=True):
                for j, (label, values) in enumerate(prompt.presets):
                    key = f"try_{page_key}_{i}_{j}"
                    presets[key] = dict(values)
                    # no hover text: the label says what it sets (a hover listing the widgets' keys and Python
                    # values, 'gd2_momentum_on = False', told a student nothing)
                    st.button(label, key=key, on_click=try_preset, args=(dict(values), prompt.focus))
        scroll_if_asked()


def keras_panel(intro: str, notebook: Callable[[], notebooks.PageNotebook]) -> None:
    """The tf.keras code that reproduces what the page shows (text only: TensorFlow is not imported), and the
    page as a notebook to take home, written only when the student presses its button.

    The heading and ``intro`` are drawn with the page; the code and the button are the fragment KERAS_SECTION, which
    the widgets the code follows rerun (``reruns(..., KERAS_SECTION)``), so such a widget does not resend the text
    around them. ``notebook()`` makes the page's notebook from the session's state: in a rerun of the fragment alone
    it sees the values of now."""
    with st.container(key="keras"):
        st.subheader("In Keras")
        st.markdown(intro)
        section_fragment(KERAS_SECTION)(_keras_code)(notebook)


def _keras_code(notebook: Callable[[], notebooks.PageNotebook]) -> None:
    made = notebook()
    st.code(made.code, language="python", wrap_lines=lecture_mode())  # a projector cannot scroll sideways
    st.download_button(notebooks.NOTEBOOK_LABEL, functools.partial(notebooks.notebook_bytes, made),
                       file_name=made.file_name, mime=notebooks.MIME_TYPE, on_click="ignore",
                       icon=":material/download:", key="keras_notebook",
                       help="A Jupyter notebook with this page's explanation, this code for your settings and "
                            "the page's key figure in plotly. It needs "
                            f"{', '.join(made.packages)}, not this app.")
