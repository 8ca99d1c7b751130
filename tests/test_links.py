"""Links (issue #15): the address bar is the page's state.

Every widget that changes what a page shows is bound to the URL under its key (``ui.URL``). These tests pin
the parameter names (a lecturer's old links must keep working), open pages from links and compare them with the
same settings made by hand, feed every page hostile query strings, and check Reset, classroom links (``hide``,
``lecture_mode``) and that settings survive a page switch. The browser test of the same (the URL as the
address bar has it, opened in a new browser) is in test_browser.py.
"""

from __future__ import annotations

import json
import math
import random
import re
import urllib.parse

import numpy as np
import pytest
from conftest import app_test, figures, trace
from conftest import values as trace_values
from widget_states import INPUT_KINDS, open_tab, tab_sets, unfold

from nnviz import backprop as bpm
from nnviz import gradient_descent as gd
from nnviz import ui
from nnviz.course import LECTURE_PLAN, MOMENT_PARAM, PAGES

SPREAD_OVER_PROCESSES = True  # its tests share no module fixture: conftest lets both test processes take them
SCRIPTS = {p.key: p.script for p in PAGES if p.script}

# The parameters of each page as it opens (with its default settings). Changing one of these names breaks the
# links lecturers have handed out: add a name, never rename one. Widgets drawn only in some states (the
# softmax's logits 3-9, the MNIST page's units of layers 2-4, a surface's start point, the Backpropagation page's
# other tabs) follow the same pattern of names.
PARAMETERS = {
    "perceptron": ["neuron_activation", "neuron_bias", "neuron_n", "neuron_show", "neuron_w0", "neuron_w1",
                   "neuron_w2", "neuron_x0", "neuron_x1", "neuron_x2", "perc_b", "perc_dataset", "perc_lr", "perc_seed",
                   "perc_speed", "perc_start", "perc_w1", "perc_w2", "xor_steepness"],
    "activations": ["act_choice", "act_layout", "act_range", "chain_acts", "chain_depth", "chain_w", "chain_x0",
                    "collapse_act", "collapse_layers", "collapse_seed", "neuron_act", "neuron_b", "neuron_w"],
    "gradient_descent": ["gd1_lr_good", "gd1_preset", "gd1_start", "gd1_steps", "gd2_3d", "gd2_beta",
                         "gd2_momentum_on", "gd2_rates_bowl", "gd2_steps", "gd2_surface", "gd2_w1_bowl",
                         "gd2_w2_bowl", "gd3_batch", "gd3_epochs", "gd3_lr", "gd3_seed", "gd4_seed"],
    "backprop": ["bp_activation", "bp_batch", "bp_hand_set", "bp_label", "bp_layers", "bp_outputs", "bp_section",
                 "bp_seed", "bp_step", "bp_units", "bp_x1", "bp_x2"],
    "loss_vs_accuracy": ["la_bias", "la_current", "la_epochs", "la_index", "la_lr", "la_other", "la_p", "la_seed",
                         "la_share"],
    "playground": ["pg_activation", "pg_batch", "pg_dataset", "pg_discretize", "pg_f_sinx1", "pg_f_sinx2",
                   "pg_f_x1", "pg_f_x1sq", "pg_f_x1x2", "pg_f_x2", "pg_f_x2sq", "pg_loss", "pg_noise", "pg_optimizer",
                   "pg_rate", "pg_reg", "pg_reg_rate", "pg_seed", "pg_shape", "pg_show_test", "pg_train"],
    "softmax": ["sm_classes", "sm_logit_0", "sm_logit_1", "sm_logit_2", "sm_shift", "sm_temperature", "sm_true"],
    "mnist": ["mn_activation", "mn_batch", "mn_dataset", "mn_epochs", "mn_hidden", "mn_lr_sgd", "mn_momentum",
              "mn_optimizer", "mn_seed", "mn_units_0"],
}
# The other tabs of the Backpropagation page (only the open tab's section runs).
TAB_PARAMETERS = {("bp_section", 1): ["bp_rate"], ("bp_section", 4): ["bp_deep_activation"]}
# Input widgets that are not settings: editing tools (a weight typed by hand, the plane's click mode) and the
# views of a trained network, which a link cannot carry. They keep their values for the session.
NOT_IN_LINKS = {"bp_hand_name", "bp_hand_value", "pg_edit", "mn_cell_true", "mn_cell_pred", "mn_inspect",
                "mn_compare"}

# A link per page: parameter -> (as written in the URL, the value the widget then has). Select boxes are
# written with the label they show.
LINKS = {
    "perceptron": {"perc_dataset": ("XOR", "XOR"), "perc_w1": ("2.5", 2.5), "perc_b": ("-3", -3.0),
                   "neuron_n": ("4", 4), "neuron_activation": ("sigmoid", "sigmoid")},
    "activations": {"neuron_w": ("2", 2.0), "chain_depth": ("20", 20), "act_layout": ("Side by side", "Side by side"),
                    "collapse_seed": ("7", 7)},
    "gradient_descent": {"gd2_surface": (gd.SURFACES["ravine"].label, "ravine"), "gd1_steps": ("30", 30),
                         "gd3_batch": ("50", 50), "gd2_momentum_on": ("true", True)},
    "backprop": {"bp_layers": ("2", 2), "bp_seed": ("5", 5), "bp_x1": ("1.5", 1.5), "bp_step": ("3", 3),
                 "bp_hand_set": ("w(2)_11=5, b(1)_2=-0.5", "w(2)_11=5, b(1)_2=-0.5")},
    "loss_vs_accuracy": {"la_bias": ("-2", -2.0), "la_share": ("20", 20), "la_lr": ("2", 2.0), "la_seed": ("3", 3)},
    "playground": {"pg_noise": ("20", 20), "pg_rate": ("0.1", 0.1), "pg_shape": ("8,8", "8,8"),
                   "pg_show_test": ("true", True)},
    "softmax": {"sm_temperature": ("0.05", 0.05), "sm_classes": ("5", 5), "sm_logit_4": ("-3", -3.0),
                "sm_true": ("class 4", 4)},
    "mnist": {"mn_hidden": ("2", 2), "mn_units_1": ("16", 16), "mn_epochs": ("3", 3), "mn_optimizer": ("Adam", "adam")},
}


def bound_names(at) -> set[str]:
    """The URL parameters of the widgets (and tab sets) of an AppTest run."""
    found = set()

    def walk(node):
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            key = getattr(proto, "query_param_key", "") if proto is not None else ""
            if getattr(child, "type", None) == "tab_container":
                key = proto.tab_container.query_param_key
            if key:
                found.add(key)
            walk(child)

    walk(at._tree)
    return found - {ui.LECTURE_MODE_KEY}


def keyed_inputs(at) -> dict[str, object]:
    return {w.key: w for kind in INPUT_KINDS for w in at.get(kind) if w.key}


def opened(page: str, query: dict[str, str | list[str]]):
    """The page opened from a link with this query string (a fresh session)."""
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.switch_page(SCRIPTS[page])
    at.run()
    return at


def notice(at) -> str:
    return " ".join(w.value for w in at.warning if w.value.startswith("This link asked"))


@pytest.mark.parametrize("page", SCRIPTS)
def test_every_setting_of_a_page_is_in_its_link_under_a_pinned_name(page):
    at = app_test(SCRIPTS[page])
    unfold(at)  # Backpropagation's weights set by hand: made only while unfolded
    assert sorted(bound_names(at)) == PARAMETERS[page]
    unbound = {key for key, w in keyed_inputs(at).items() if not getattr(w.proto, "query_param_key", "")}
    assert unbound <= NOT_IN_LINKS, f"settings not in the link: {unbound - NOT_IN_LINKS}"
    for (tabs, index), names in TAB_PARAMETERS.items():
        if tabs in tab_sets(at):
            open_tab(at, tabs, tab_sets(at)[tabs][index])
            assert set(names) <= bound_names(at)


@pytest.mark.parametrize("page", SCRIPTS)
def test_a_link_opens_the_page_as_the_same_settings_made_by_hand(page):
    link = LINKS[page]
    at = opened(page, {name: text for name, (text, _) in link.items()})
    assert not at.exception, [e.message for e in at.exception]
    assert notice(at) == ""
    shown = keyed_inputs(at)
    assert {name: shown[name].value for name in link} == {name: value for name, (_, value) in link.items()}

    by_hand = app_test(SCRIPTS[page])
    unfold(by_hand)
    for name, (_, value) in link.items():  # in the link's order: a later widget may appear only after an earlier
        keyed_inputs(by_hand)[name].set_value(value)
        by_hand.run()
    assert figures(at) == figures(by_hand)


# Values no widget takes: wrong types, out of range, unknown options, injection attempts. Text fields take any text
# (the page then explains what it needs), so their parameters are left out.
NEVER_VALID = ("ä😀", "<b>x</b>", "x" * 500, "</style><script>alert(1)", "[a](javascript:alert(1))", "'; DROP TABLE",
               "\u202e", "1e400", "-9" * 200, "nan", "Infinity", "0x10", "%00", "1,2,3")
TEXT_FIELDS = {"pg_shape", "bp_hand_set"}


@pytest.mark.parametrize("page", SCRIPTS)
def test_garbage_in_a_link_gives_defaults_and_a_notice_never_an_exception(page):
    rng = random.Random(f"links-{page}")
    defaults = {key: w.value for key, w in keyed_inputs(app_test(SCRIPTS[page])).items()}
    names = [name for name in PARAMETERS[page] if name not in TEXT_FIELDS]
    for _ in range(3):
        query = {name: rng.choice(NEVER_VALID) for name in rng.sample(names, 5)}
        query["no_such_setting"] = rng.choice(NEVER_VALID)
        query[ui.HIDE_PARAM] = rng.choice(NEVER_VALID)
        at = opened(page, query)
        assert not at.exception, (query, [e.message for e in at.exception])
        said = notice(at)
        assert len(said) < 2500, "the notice shortens what it quotes"
        for name, text in query.items():
            if name != ui.HIDE_PARAM:
                assert f"{name}=" in said, (name, text, said)
        shown = keyed_inputs(at)
        assert {name: shown[name].value for name in query if name in shown} == \
               {name: defaults[name] for name in query if name in shown}


SIGNED_ZEROS = {
    "perceptron": {"neuron_x0": "-0", "neuron_w0": "-0.00"},
    "softmax": {"sm_logit_0": "-0", "sm_logit_1": "-0", "sm_logit_2": "-0e3"},
    "loss_vs_accuracy": {"la_other": "-0", "la_bias": "-0", "la_current": "-0"},
    "activations": {"neuron_w": "-0"},
    "mnist": {"mn_momentum": "-0", "mn_hidden": "-0"},
}


@pytest.mark.parametrize("page", SIGNED_ZEROS)
def test_a_zero_with_a_minus_sign_in_a_link_is_zero_on_the_page(page):
    """'?neuron_w0=-0' was taken as -0.0 without a notice: the perceptron's diagram and formula, softmax's bars and
    table, and the texts of two more pages wrote '-0.00', and the link kept '-0' (a helper's review)."""
    query = SIGNED_ZEROS[page]
    at = opened(page, query)
    assert not at.exception and notice(at) == ""
    shown = keyed_inputs(at)
    for name in query:
        value = shown[name].value
        assert value == 0 and math.copysign(1, value) == 1, (name, value)
        assert not at.query_params.get(name, ["0"])[0].startswith("-"), (name, at.query_params.get(name))
    texts = json.dumps(figures(at), ensure_ascii=False) + " ".join(e.value for e in [*at.markdown, *at.caption])
    assert not re.search(r"[-−]0(\.0+)?(?![.\d])", texts), re.search(r".{40}[-−]0(\.0+)?(?![.\d]).{20}", texts)


def test_weights_set_by_hand_at_minus_zero_read_zero():
    values, unreadable = bpm.parse_hand_values("w(1)_11=-0, b(2)_1=−0.0", 1000)
    assert values == {"w(1)_11": 0, "b(2)_1": 0} and unreadable == []
    assert all(math.copysign(1, v) == 1 for v in values.values())


def test_a_value_out_of_range_or_unknown_is_named_in_the_notice():
    at = opened("softmax", {"sm_classes": "12", "sm_temperature": "abc", "sm_true": "class 7", "sm_shift": "20",
                            "bogus": "1"})
    said = notice(at)
    for part in ("sm_classes=12", "sm_temperature=abc", "sm_true=class 7", "bogus=1"):
        assert part in said, said
    assert "sm_shift" not in said  # a valid value: taken
    # a choice named otherwise than the page labels it: the notice says what the choices are
    assert "sm_true=class 7 (not a valid value; the choices: class 0, class 1, class 2)" in said, said
    assert at.slider(key="sm_shift").value == 20.0 and at.slider(key="sm_classes").value == 3
    # a value equal to the default is no error (Streamlit removes it from the URL: links stay short)
    assert notice(opened("softmax", {"sm_classes": "3", "sm_temperature": "1"})) == ""


@pytest.mark.parametrize("page", SCRIPTS)
def test_reset_puts_every_setting_of_the_page_back_to_its_default(page):
    fresh = app_test(SCRIPTS[page])
    unfold(fresh)  # as the link opens them (a weight set by hand): Reset does not fold them
    defaults = {key: w.value for key, w in keyed_inputs(fresh).items()}
    at = opened(page, {name: text for name, (text, _) in LINKS[page].items()})
    assert {key: w.value for key, w in keyed_inputs(at).items() if key in defaults} != defaults
    at.sidebar.button(key="nnviz_reset").click().run()
    assert not at.exception
    assert {key: w.value for key, w in keyed_inputs(at).items()} == defaults
    assert figures(at) == figures(fresh)


def copied_link(at) -> str:
    """What 'Copy link to this view' in the sidebar shows, opened."""
    at.session_state["nnviz_link"] = True  # the expander open: Streamlit reruns the app when it opens
    at.run()
    return at.sidebar.code[0].value


@pytest.mark.parametrize("page", SCRIPTS)
def test_copy_link_to_this_view_holds_every_setting_made_and_opens_the_same_view(page):
    at = app_test(SCRIPTS[page])
    assert copied_link(at) == f"/{page}"  # defaults: no settings (AppTest has no browser address: the path)
    unfold(at)
    for name, (_, value) in LINKS[page].items():
        keyed_inputs(at)[name].set_value(value)
        at.run()
    at.toggle(key=ui.LECTURE_MODE_KEY).set_value(True).run()
    link = urllib.parse.urlsplit(copied_link(at))
    assert link.path == f"/{page}"
    query = urllib.parse.parse_qs(link.query)
    assert set(query) == {*LINKS[page], ui.LECTURE_MODE_KEY} and query[ui.LECTURE_MODE_KEY] == ["true"]
    again = opened(page, query)
    assert not again.exception and notice(again) == ""
    assert {name: w.value for name, w in keyed_inputs(again).items()} == \
           {name: w.value for name, w in keyed_inputs(at).items()}
    assert figures(again) == figures(at)


def test_a_copied_link_keeps_what_a_classroom_link_hid_and_its_lecture_plan_moment():
    at = opened("softmax", {ui.HIDE_PARAM: "keras,sm_shift", "sm_temperature": "0.5"})
    at.slider(key="sm_temperature").set_value(2.0).run()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(copied_link(at)).query)
    assert set(query) == {ui.HIDE_PARAM, "sm_temperature"} and query[ui.HIDE_PARAM] == ["keras,sm_shift"]
    assert float(query["sm_temperature"][0]) == 2.0
    number = next(n for n, m in enumerate(LECTURE_PLAN, start=1) if m.page == "softmax")
    at = opened("softmax", {**LECTURE_PLAN[number - 1].settings, MOMENT_PARAM: str(number)})
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(copied_link(at)).query)[MOMENT_PARAM] == [str(number)]


@pytest.mark.parametrize("page", SCRIPTS)
def test_every_try_this_button_sets_what_it_names(page):
    """One click per experiment: each 'Try this' preset gives its widgets its values, and the page runs."""
    at = app_test(SCRIPTS[page])
    presets = {key: values for key, values in at.session_state[ui.LINKS_KEY].presets.items()
               if key.startswith(f"try_{page}_")}
    assert len(presets) >= 3
    # On the page as it opens, each experiment has a button that changes something: "sweep w1" set the weight the
    # page sweeps anyway, so in a lecture its click only scrolled. (A second button may bring back the default, as
    # "true class 1" or MNIST's "η = 0.1" beside its "η = 10".)
    shown = keyed_inputs(at)
    fresh = {name: shown[name].value if name in shown else at.session_state[name]
             for values in presets.values() for name in values if name in shown or name in at.session_state}
    changes = {}
    for key, values in presets.items():
        experiment = key.rsplit("_", 1)[0]
        changes[experiment] = changes.get(experiment, False) or any(
            name not in fresh or fresh[name] != value for name, value in values.items())
    assert all(changes.values()), [experiment for experiment, changed in changes.items() if not changed]
    for key, values in presets.items():
        assert not at.button(key=key).help  # it listed widget keys and Python values ('gd2_momentum_on = False')
        at.button(key=key).click().run()
        assert not at.exception, (key, [e.message for e in at.exception])
        shown = keyed_inputs(at)
        taken = {name: shown[name].value if name in shown else at.session_state[name] for name in values}
        assert taken == values, key


# Experiments whose button sets everything its prompt's outcome depends on, and what shows that outcome: pressed after
# every other 'Try this' button of its page, or on the page opened at a lecture-plan moment, it shows what it shows
# when pressed first. (Their outcomes hung on what came before: after T = 5 class 2 was no longer small; momentum
# left on by moment 8 drew a converging path beside the diverging one; η = 10 on the circle converged after the
# single unit on x₁², x₂²; the hidden-layer comparison trained with the η = 10 linear network's settings.)
SELF_CONTAINED = {
    "softmax": {"try_softmax_2_0": ("sm_bars", "sm_gradient")},
    "gradient_descent": {"try_gradient_descent_2_0": ("gd_contour", "gd_losses"),
                         "try_gradient_descent_3_0": ("gd_contour", "gd_losses")},
    "playground": {"try_playground_2_0": ("pg_figure",), "try_playground_3_0": ("pg_figure",),
                   "try_playground_4_0": ("pg_figure",)},
    "mnist": {"try_mnist_2_0": ("mn_network",), "try_mnist_2_1": ("mn_network",)},
}


@pytest.mark.parametrize(("page", "button"), [(page, button) for page, cases in SELF_CONTAINED.items()
                                              for button in cases])
def test_an_experiment_shows_the_same_whatever_was_tried_before(page, button):
    def pressed(*keys: str, moment=None):
        at = opened(page, moment.settings) if moment else app_test(SCRIPTS[page])
        for key in keys:
            at.button(key=key).click().run()
            assert not at.exception, (key, [e.message for e in at.exception])
        if page == "playground":  # its outcome is the training: a few epochs of it
            for _ in range(3):
                at.button(key="pg_step").click().run()
        return at

    first = pressed(button)
    others = [key for key in first.session_state[ui.LINKS_KEY].presets if key.startswith(f"try_{page}_")
              and key != button]
    befores = {"every other button": pressed(*others, button),
               **{f"moment {n}": pressed(button, moment=m) for n, m in enumerate(LECTURE_PLAN, start=1)
                  if m.page == page and m.settings}}
    for before, at in befores.items():
        for key in SELF_CONTAINED[page][button]:
            assert figures(at)[key] == figures(first)[key], (before, key)
        if page == "mnist":  # what it trains: the full code with every builder setting
            assert [c.value for c in at.main.code] == [c.value for c in first.main.code], before


def test_settings_survive_a_page_switch():
    at = opened("gradient_descent", {"gd2_surface": gd.SURFACES["ravine"].label, "gd1_steps": "30"})
    at.slider(key="gd2_steps").set_value(200).run()
    before = {key: w.value for key, w in keyed_inputs(at).items()}
    figures_before = figures(at)
    at.switch_page(SCRIPTS["activations"]).run()
    at.slider(key="chain_depth").set_value(25).run()
    at.switch_page(SCRIPTS["gradient_descent"]).run()
    assert {key: w.value for key, w in keyed_inputs(at).items()} == before
    assert figures(at) == figures_before
    at.switch_page(SCRIPTS["activations"]).run()
    assert at.slider(key="chain_depth").value == 25


def test_a_classroom_link_hides_what_it_names_and_can_switch_lecture_mode_on():
    at = opened("softmax", {ui.HIDE_PARAM: "keras,sm_shift,objectives,nothing_here", "lecture_mode": "true"})
    assert not at.exception
    styles = " ".join(h.value for h in at.get("html"))
    for name in ("keras", "sm_shift", "objectives"):
        assert f".st-key-{name} {{display: none;}}" in styles
    assert "hide=nothing_here" in notice(at)
    assert at.session_state[ui.LECTURE_MODE_KEY] is True
    # hidden widgets are still there (with their values), and stay hidden on later runs
    at.slider(key="sm_temperature").set_value(0.5).run()
    assert at.slider(key="sm_shift").value == 0.0
    assert ".st-key-sm_shift {display: none;}" in " ".join(h.value for h in at.get("html"))
    assert notice(at) == ""  # the notice is for the link as it arrived, not for every rerun


def test_a_classroom_links_hidden_controls_stay_hidden_after_a_trip_to_another_page():
    """To Perceptron and back, the softmax page of a classroom link showed the controls the link hid, and its address
    had lost them (a helper's review)."""
    at = opened("softmax", {ui.HIDE_PARAM: "sm_classes,keras", "sm_temperature": "0.3"})
    for name in ("perceptron", "softmax"):
        for key in [k for k in at.query_params if k.startswith(("sm_", "perc_", ui.HIDE_PARAM))]:
            del at.query_params[key]  # a page switch leaves in the address only what the new page's widgets set
        at.switch_page(SCRIPTS[name]).run()
        assert not at.exception
    styles = " ".join(h.value for h in at.get("html"))
    assert ".st-key-sm_classes {display: none;}" in styles and ".st-key-keras {display: none;}" in styles
    assert at.query_params[ui.HIDE_PARAM] == "keras,sm_classes"
    assert at.slider(key="sm_temperature").value == 0.3


@pytest.mark.parametrize(("text", "on"), [("1", True), ("yes", True), ("On", True), ("", True), ("TRUE", True),
                                          ("0", False), ("off", False), ("false", False)])
def test_a_link_may_switch_lecture_mode_with_any_usual_word(text, on):
    """'lecture_mode=1', 'yes', 'on' or the bare name left Lecture mode off and said nothing (a helper's review)."""
    at = opened("softmax", {"lecture_mode": text})
    assert not at.exception and notice(at) == ""
    assert at.session_state[ui.LECTURE_MODE_KEY] is on
    assert at.query_params.get("lecture_mode", "false") == ("true" if on else "false")


def test_a_lecture_mode_value_that_is_no_such_word_is_named_in_the_notice():
    at = opened("softmax", {"lecture_mode": "maybe"})
    assert "lecture_mode=maybe (Lecture mode is true or false)" in notice(at)
    assert at.session_state[ui.LECTURE_MODE_KEY] is False
    at.slider(key="sm_temperature").set_value(0.5).run()
    assert notice(at) == ""


def test_hide_css_takes_only_plain_names():
    css = ui.hide_css(ui.hide_names(["keras, sm_shift", "</style><script>", "a b", "x{y}"]))
    assert css == ".st-key-keras {display: none;}.st-key-sm_shift {display: none;}"


def test_the_links_in_the_readme_open_without_a_notice():
    """The README's example links (classroom links included) ask only for what their pages take."""
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"http://localhost:8501/([a-z_]+)\?([^\s)`]+)", readme)
    assert len(links) >= 4
    for path, query in links:
        at = opened(path, dict(urllib.parse.parse_qsl(query)))
        assert not at.exception and notice(at) == "", (path, query, notice(at))


def test_the_settings_the_readme_writes_into_its_text_open_without_a_notice():
    """'bp_rate=100' stood in the README as a link's setting, and alone the page refused it: the rate is shown only
    in the section 'One SGD step' (a helper's review). Every `name=value&…` in its text is tried on its page."""
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    fragments = re.findall(r"`((?:[a-z][a-z0-9_]*=[^\s`&]+&?)+)`", readme)
    tried = 0
    for fragment in fragments:
        query = urllib.parse.parse_qs(fragment.replace(" ", "%20"), keep_blank_values=True)
        prefix = next(iter(query)).split("_")[0] + "_"  # the page: one whose settings have the first's prefix
        pages = [page for page, names in PARAMETERS.items() if any(name.startswith(prefix) for name in names)]
        if not pages:
            continue
        said = []
        for page in pages:
            at = opened(page, {name: values if len(values) > 1 else values[0] for name, values in query.items()})
            assert not at.exception, (fragment, page)
            said.append(notice(at))
        assert "" in said, (fragment, said)  # one of those pages took it all
        tried += 1
    assert tried >= 5, fragments


def test_a_playground_moment_says_which_key_trains_its_network():
    """Moments 14 and 15 open at epoch 0 with the Play button a screen above the figure; their lines spoke of what the
    training shows without saying how to start it (a helper's review); 'press P' alone meant nothing on a phone (a
    lecturer's review): the button and its key."""
    moments = [m for m in LECTURE_PLAN if m.page == "playground"]
    assert len(moments) >= 2
    for moment in moments:
        assert f"Play ({ui.PLAY_SHORTCUT})" in moment.show, moment.show


def test_the_lecture_plan_links_every_moment_in_order():
    at = app_test("app_pages/lecture_plan.py")
    assert not at.exception
    links = at.get("page_link")
    assert len(links) == len(LECTURE_PLAN)
    for number, (link, moment) in enumerate(zip(links, LECTURE_PLAN), start=1):
        assert link.proto.label.startswith(f"{number}. ") and moment.show in link.proto.label
        assert urllib.parse.parse_qs(link.proto.query_string)[MOMENT_PARAM] == [str(number)]


def test_the_lecture_plan_asks_for_lecture_mode_only_while_it_is_off():
    """In Lecture mode it still said 'Switch on Lecture mode first for the projector' (a lecturer's review)."""
    at = app_test("app_pages/lecture_plan.py")
    assert "Switch on **Lecture mode** first" in at.markdown[0].value
    at.session_state["lecture_mode"] = True
    at.run()
    assert "Lecture mode" not in at.markdown[0].value and "◀ Previous" in at.markdown[0].value


@pytest.mark.parametrize("number", range(1, len(LECTURE_PLAN) + 1))
def test_every_moment_of_the_lecture_plan_opens_its_page_as_planned(number):
    moment = LECTURE_PLAN[number - 1]
    at = opened(moment.page, {**moment.settings, MOMENT_PARAM: str(number)})
    assert not at.exception, [e.message for e in at.exception]
    assert notice(at) == ""
    assert [c.value for c in at.caption if c.value.startswith("Lecture plan")] == \
           [f"Lecture plan, moment {number} of {len(LECTURE_PLAN)}: {moment.show}"]
    steps = {link.proto.label: urllib.parse.parse_qs(link.proto.query_string)[MOMENT_PARAM]
             for link in at.get("page_link") if link.proto.label in ("◀ Previous", "Next ▶")}
    expected = {}
    if number > 1:
        expected["◀ Previous"] = [str(number - 1)]
    if number < len(LECTURE_PLAN):
        expected["Next ▶"] = [str(number + 1)]
    assert steps == expected


def test_a_moment_whose_page_fails_keeps_its_previous_and_next(monkeypatch):
    """A page that raised took the lecture plan's bar with it, so the lecturer could not go on with Next (a
    lecturer's review, on a server whose modules were older than its page scripts). The error shows, and the bar."""
    from nnviz import softmax

    def broken(*args, **kwargs):
        raise RuntimeError("a page that fails")

    monkeypatch.setattr(softmax, "softmax_steps", broken)
    at = opened("softmax", {**LECTURE_PLAN[15].settings, MOMENT_PARAM: "16"})
    assert len(at.exception) == 1  # the page's error (its message redacted by the app's config)
    assert {link.proto.label for link in at.get("page_link")} >= {"◀ Previous", "Next ▶"}


@pytest.mark.parametrize("number", [n for n, m in enumerate(LECTURE_PLAN, start=1) if m.settings])
def test_each_moment_sends_the_same_figures_whether_plotly_validated_them_or_not(number, monkeypatch):
    """test_app's test of every page's defaults, for the states a lecturer projects (the figures the app builds
    without plotly's validation must reach the browser as the validated ones would)."""
    moment = LECTURE_PLAN[number - 1]
    sent = {}
    for validate in ("1", "0"):
        monkeypatch.setenv("NNVIZ_VALIDATE_FIGURES", validate)
        ui.clear_figure_caches()  # else the second pass gets the first one's figures
        at = opened(moment.page, {**moment.settings, MOMENT_PARAM: str(number)})
        assert not at.exception
        sent[validate] = figures(at)
    assert sent["1"] and set(sent["1"]) == set(sent["0"])
    for key, fig in sent["1"].items():
        assert sent["0"][key] == fig, (moment.page, key)


def test_a_link_with_hundreds_of_unknown_settings_gets_a_notice_of_a_few_lines():
    at = opened("softmax", {f"junk{i}": "1" for i in range(500)})  # it listed all 500
    assert not at.exception
    assert "… and 492 more." in notice(at) and len(notice(at)) < 600


@pytest.mark.parametrize("number", [n for n, m in enumerate(LECTURE_PLAN, start=1) if m.steps])
def test_a_moments_step_buttons_in_the_bar_set_what_they_name(number):
    """Moment 14's x₁² and x₂² boxes were 1.3 screens above its figure in Lecture mode: the step is a button in the
    moment bar, and it sets what it names (the rest of the moment as planned)."""
    moment = LECTURE_PLAN[number - 1]
    at = opened(moment.page, {**moment.settings, MOMENT_PARAM: str(number)})
    planned = {name: widget.value for name, widget in keyed_inputs(at).items()}
    for j, (label, values) in enumerate(moment.steps):
        button = at.button(key=f"moment_{number}_step_{j}")
        assert button.label == label
        button.click().run()
        assert not at.exception, [e.message for e in at.exception]
        shown = {name: widget.value for name, widget in keyed_inputs(at).items()}
        assert {name: shown[name] for name in values} == values
        assert {name: v for name, v in shown.items() if name not in values} == \
               {name: v for name, v in planned.items() if name not in values}
        planned = shown


def test_the_one_sgd_step_moment_shows_a_rate_where_the_loss_goes_up():
    """Moment 11 says 'raise η until the loss goes up': on its page state the curve must rise above the loss before
    (on one example it never did: the planned moment showed a loss falling for every η)."""
    number, moment = next((n, m) for n, m in enumerate(LECTURE_PLAN, start=1)
                          if m.settings.get("bp_section") == "One SGD step")
    at = opened(moment.page, {**moment.settings, MOMENT_PARAM: str(number)})
    curve = figures(at)["bp_rate_curve"]
    before = trace(curve, "loss before the step")["y"][0]
    after = [v for v in trace(curve, "loss after one step")["y"] if v is not None]
    assert min(after) < before < max(after)


def test_the_ravine_moment_shows_plain_descent_zig_zag_and_momentum_get_there_in_a_third_of_the_steps():
    """Moment 8 said 'momentum runs along the valley floor' where, at its rates then, plain descent crawled without
    zig-zagging and momentum swung across the floor."""
    number, moment = next((n, m) for n, m in enumerate(LECTURE_PLAN, start=1) if "ravine" in m.show)
    at = opened(moment.page, {**moment.settings, MOMENT_PARAM: str(number)})
    shown = figures(at)
    plain, heavy = "η = 0.095", "η = 0.095, β = 0.5"
    w2 = trace_values(trace(shown["gd_contour"], plain)["y"])[:12]
    assert np.all(np.sign(w2[1:]) == -np.sign(w2[:-1]))  # across the valley at every step
    first_close = {name: int(np.argmax(trace_values(trace(shown["gd_losses"], name)["y"]) < 1e-3))
                   for name in (plain, heavy)}
    assert 0 < 3 * first_close[heavy] <= first_close[plain] + 2, first_close


def test_a_moment_opens_its_page_as_planned_whatever_the_session_set_before():
    """Previous from moment 19 (η = 10) to 18 kept η = 10, and the playground's x₁², x₂² stayed ticked between 14
    and 15: a moment sets what it names and puts the rest of its page back to the defaults."""
    def settings(at) -> dict:
        return {name: widget.value for name, widget in keyed_inputs(at).items()}

    for page, earlier, later in (("mnist", 19, 18), ("playground", 14, 15)):
        at = opened(page, {**LECTURE_PLAN[earlier - 1].settings, MOMENT_PARAM: str(earlier)})
        if page == "playground":
            at.checkbox(key="pg_f_x1sq").check().run()
        assert settings(at) != settings(opened(page, {**LECTURE_PLAN[later - 1].settings}))
        at.query_params.clear()
        at.query_params.update({**LECTURE_PLAN[later - 1].settings, MOMENT_PARAM: str(later)})  # its link, clicked
        at.run()
        assert settings(at) == settings(opened(page, {**LECTURE_PLAN[later - 1].settings, MOMENT_PARAM: str(later)}))


def test_a_link_wins_over_the_settings_kept_from_an_earlier_visit():
    at = app_test(SCRIPTS["softmax"])
    at.slider(key="sm_temperature").set_value(2.0).run()
    at.switch_page(SCRIPTS["activations"]).run()
    at.query_params.update({"sm_temperature": "0.05", MOMENT_PARAM: "16"})  # a moment link, clicked in the session
    at.switch_page(SCRIPTS["softmax"]).run()
    assert at.slider(key="sm_temperature").value == 0.05


def test_the_address_bar_follows_a_select_box_whose_options_changed():
    """Softmax opened with the true class 2, then '2 classes': the select box took class 0 (class 2 was no longer
    a choice) and the address bar still said class 2, so the copied address opened another page than the one shown
    (a helper's review). The address now holds what the widgets drawn hold, and opens the same view."""
    at = opened("softmax", {"sm_true": "class 2"})
    assert at.selectbox(key="sm_true").value == 2
    presets = at.session_state[ui.LINKS_KEY].presets
    at.button(key=next(key for key, values in presets.items() if values == {"sm_classes": 2})).click().run()
    assert not at.exception
    shown = at.selectbox(key="sm_true").value
    address = dict(at.query_params)
    assert (shown, address.get("sm_classes"), address.get("sm_true")) == (0, "2", None)
    again = opened("softmax", address)
    assert (again.slider(key="sm_classes").value, again.selectbox(key="sm_true").value) == (2, shown)
    assert [(m.label, m.value) for m in again.metric] == [(m.label, m.value) for m in at.metric] and not notice(again)


@pytest.mark.parametrize(("page", "query", "key", "value"), [
    ("backprop", {"bp_section": "One SGD step", "bp_rate": "100"}, "bp_rate", 100.0),  # the option's text: "100.0"
    ("playground", {"pg_rate": "0.00001"}, "pg_rate", 0.00001),  # "1e-05"
    ("playground", {"pg_reg_rate": "3"}, "pg_reg_rate", 3.0),
    ("mnist", {"mn_lr_sgd": "1e-2"}, "mn_lr_sgd", 0.01),
    ("mnist", {"mn_batch": "64.0"}, "mn_batch", 64),
    ("gradient_descent", {"gd3_lr": "2"}, "gd3_lr", 2.0),
])
def test_a_number_choice_in_a_link_may_be_written_as_any_equal_number(page, query, key, value):
    at = opened(page, query)
    assert not at.exception
    assert notice(at) == ""
    assert at.select_slider(key=key).value == value


def test_rates_to_compare_in_a_link_may_be_written_as_any_equal_numbers():
    """'gd2_rates_ravine=0.0950' and '.095' were refused where '0.095' was taken (a helper's review)."""
    for texts in (["0.0950", "2.0"], [".095", "2"], ["9.5e-2", "2.00"]):
        at = opened("gradient_descent", {"gd2_surface": "Elongated ravine (ill-conditioned)",
                                         "gd2_rates_ravine": texts})
        assert not at.exception and notice(at) == "", texts
        assert at.multiselect(key="gd2_rates_ravine").value == [0.095, 2.0], texts
    assert "gd2_rates_ravine=0.096" in notice(opened("gradient_descent", {
        "gd2_surface": "Elongated ravine (ill-conditioned)", "gd2_rates_ravine": "0.096"}))


def test_a_number_that_is_no_choice_is_still_named_in_the_notice():
    at = opened("playground", {"pg_rate": "0.5"})
    assert "pg_rate=0.5" in notice(at)
    assert at.select_slider(key="pg_rate").value == 0.03


def test_a_link_with_weights_set_by_hand_opens_them():
    """/backprop?bp_hand_set=w(2)_21=-3 opened with 'Set weights by hand' folded: the loss was 1.0514, not the
    seed's 0.5210, and nothing on the screen said why (a helper's review). The link's field is only in the address
    when the expander is drawn."""
    at = opened("backprop", {"bp_hand_set": "w(2)_21=-3"})
    assert at.text_input(key="bp_hand_set").value == "w(2)_21=-3"
    assert next(e for e in at.expander if e.label == "Set weights by hand").proto.expanded
    assert not next(e for e in opened("backprop", {}).expander if e.label == "Set weights by hand").proto.expanded
