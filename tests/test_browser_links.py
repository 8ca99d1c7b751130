"""Links in the real server and Chromium (issue #15): for every page, settings made in the browser are in the
address bar, and that address opened in a new browser (a fresh session) shows the same widgets and the same
figure data; a classroom link hides what it names; a link with garbage opens with the defaults and a notice.
"""

from __future__ import annotations

import urllib.parse

import pytest
from conftest import HANG_FACTOR, new_context, sample_in_ci
from test_browser import DIAGRAM_TEXT_INSIDE, PAGE_PATHS, exceptions_on, phone_context, wait_until_idle

PAGES = [name for name in PAGE_PATHS if name != "home"]
NOTICE = "This link asked for settings the page could not use"

# What the page shows, as data: every widget's value by its key, and every chart's traces (gd.data).
SHOWN = """() => {
    const key = el => [...(el.closest("[class*='st-key-']") || {classList: []}).classList]
        .find(c => c.startsWith('st-key-'));
    const widgets = {};
    for (const s of document.querySelectorAll("[data-testid='stSlider'] input[type='range']")) {
        const k = key(s); widgets[k] = (widgets[k] || []).concat(s.getAttribute('aria-valuetext'));
    }
    for (const s of document.querySelectorAll("[data-testid='stSelectbox'] input, [data-testid='stNumberInput'] input,"
                                              + " [data-testid='stTextInput'] input")) widgets[key(s)] = s.value;
    for (const s of document.querySelectorAll("input[type='checkbox']")) widgets[key(s)] = s.checked;
    for (const s of document.querySelectorAll("[data-testid='stRadio'] input[type='radio']:checked"))
        widgets[key(s)] = s.value;
    for (const m of document.querySelectorAll("[data-testid='stMultiSelect']"))
        widgets[key(m)] = [...m.querySelectorAll("[data-baseweb='tag']")].map(t => t.textContent);
    const charts = [...document.querySelectorAll('.js-plotly-plot')].map(
        gd => JSON.stringify(gd.data.map(t => ({x: t.x, y: t.y, z: t.z, text: t.text, name: t.name}))));
    return {widgets, charts};
}"""
SLIDER_KEYS = """() => [...document.querySelectorAll("[data-testid='stSlider']")].map(s =>
    [...(s.closest("[class*='st-key-']") || {classList: []}).classList].find(c => c.startsWith('st-key-')))
    .filter(k => k).map(k => k.slice('st-key-'.length))"""


def move_sliders(page, count: int) -> list[str]:
    """The first ``count`` single sliders of the page to the other end (End, or Home where at the end already);
    returns their keys."""
    moved = []
    for key in page.evaluate(SLIDER_KEYS):
        thumbs = page.locator(f".st-key-{key}").get_by_role("slider")
        if thumbs.count() != 1 or key in moved:
            continue
        thumb = thumbs.first
        before = thumb.get_attribute("aria-valuetext")
        thumb.focus()
        thumb.press("End")
        wait_until_idle(page)
        if thumb.get_attribute("aria-valuetext") == before:
            thumb.press("Home")
            wait_until_idle(page)
        moved.append(key)
        if len(moved) == count:
            break
    return moved


def copied_link(page) -> str:
    """The link that the sidebar's 'Copy link to this view' shows."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Copy link to this view").click()
    code = sidebar.locator("code")
    code.wait_for(timeout=10_000 * HANG_FACTOR)
    text = code.inner_text().strip()
    sidebar.get_by_text("Copy link to this view").click()
    return text


def same_settings(link: str, other: str) -> bool:
    """Whether two links open the same page with the same settings (numbers compared as numbers: the browser
    writes 2, the server 2.0)."""
    def settings(url):
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parts.query)
        return parts.path, {name: [_number_or_text(v) for v in values] for name, values in query.items()}
    return settings(link) == settings(other)


def _number_or_text(text: str):
    try:
        return float(text)
    except ValueError:
        return text


@pytest.mark.parametrize("name", sample_in_ci(PAGES, kept={"softmax"}))  # CI time: test_links.py has every page
def test_a_link_taken_from_the_address_bar_opens_the_same_view_in_a_new_browser(server_url, browser, name):
    first = new_context(browser, viewport={"width": 1600, "height": 1000})
    page = first.new_page()
    page.goto(f"{server_url}/{PAGE_PATHS[name]}")
    wait_until_idle(page)
    default = page.evaluate(SHOWN)
    moved = move_sliders(page, 3)
    assert len(moved) >= 2, moved
    page.wait_for_function("keys => keys.every(k => location.search.includes(k + '='))", arg=moved,
                           timeout=10_000 * HANG_FACTOR)
    link = page.url
    mine = page.evaluate(SHOWN)
    assert mine["widgets"] != default["widgets"]
    assert same_settings(copied_link(page), link)
    first.close()

    second = new_context(browser, viewport={"width": 1600, "height": 1000})
    try:
        page = second.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(link)
        wait_until_idle(page)
        assert exceptions_on(page) == []
        assert page.get_by_text(NOTICE).count() == 0
        opened = page.evaluate(SHOWN)
        assert opened["widgets"] == mine["widgets"]
        assert opened["charts"] == mine["charts"]

        # a classroom link: the moved sliders and the Keras panel hidden, their values kept, Lecture mode on
        query = urllib.parse.urlsplit(link).query
        page.goto(f"{link.split('?')[0]}?{query}&hide={','.join(moved[:2])},keras&lecture_mode=true")
        wait_until_idle(page)
        folded = page.get_by_text("Settings: data, inputs, hidden layers, training")  # the Playground's, in Lecture
        if folded.count():  # mode (b0a8b03): what is hidden stays hidden when it is unfolded, the rest shows
            folded.click()
            page.wait_for_timeout(500)
        for key in (*moved[:2], "keras"):
            assert page.locator(f".st-key-{key}").is_hidden(), key
        assert page.locator(f".st-key-{moved[2] if len(moved) > 2 else 'objectives'}").is_visible()
        assert page.get_by_role("switch").first.is_checked()  # Lecture mode
        assert page.get_by_text(NOTICE).count() == 0

        # garbage: defaults, a notice, no exception
        page.goto(f"{link.split('?')[0]}?{moved[0]}=%3Cscript%3E&{moved[1]}=1e400&zzz=1&hide=%3C%2Fstyle%3E")
        wait_until_idle(page)
        assert exceptions_on(page) == []
        assert page.get_by_text(NOTICE).count() == 1
        shown = page.evaluate(SHOWN)
        for key in moved[:2]:
            assert shown["widgets"][f"st-key-{key}"] == default["widgets"][f"st-key-{key}"], key
        assert errors == []
    finally:
        second.close()


def test_previous_and_next_on_the_same_page_set_the_moment_and_the_address_bar_follows(server_url, browser):
    """Moments 18 and 19 are both the MNIST page (η = 0.1, then 10). Previous from 19 kept η = 10 and left the address
    bar at moment 19: a link to the page already open did not update it. From moment 17 (softmax), Next to another page
    put lecture_mode=true into the address twice."""
    from nnviz.course import LECTURE_PLAN, MOMENT_PARAM

    assert LECTURE_PLAN[16].page == "softmax" and LECTURE_PLAN[17].page == LECTURE_PLAN[18].page == "mnist"
    context = new_context(browser, viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server_url}/softmax?{urllib.parse.urlencode(LECTURE_PLAN[16].settings)}&{MOMENT_PARAM}=17"
                  "&lecture_mode=true")
        wait_until_idle(page)
        rate = page.locator(".st-key-mn_lr_sgd").get_by_role("slider")
        for link, moment, shown in (("Next ▶", 18, "0.1"), ("Next ▶", 19, "10"), ("◀ Previous", 18, "0.1"),
                                    ("Next ▶", 19, "10")):
            page.locator("[data-testid='stPageLink'] a", has_text=link).first.click()
            page.wait_for_url(lambda url, moment=moment: f"{MOMENT_PARAM}={moment}" in url)
            wait_until_idle(page)
            assert rate.get_attribute("aria-valuetext") == shown, link
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
            assert query[MOMENT_PARAM] == [str(moment)] and query["lecture_mode"] == ["true"], page.url
            assert ("mn_lr_sgd" in query) == (moment == 19), page.url
            assert page.locator(".st-key-lecture_mode input").is_checked()
        assert exceptions_on(page) == []
    finally:
        context.close()


def test_a_lecture_plan_link_opened_in_a_new_tab_opens_in_lecture_mode(server_url, browser):
    """A lecturer opens the moments in tabs before the lecture (a middle click): each tab is a new session, whose
    Lecture mode came from the toggle's default, off. In Lecture mode the plan's links carry lecture_mode=true;
    followed in the same tab the address has it once (the toggle, bound to it, adds it again on the way)."""
    from nnviz.course import LECTURE_PLAN

    context = new_context(browser, viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(f"{server_url}/lecture_plan?lecture_mode=true")
        wait_until_idle(page)
        links = page.locator("[data-testid='stPageLink'] a")
        hrefs = [links.nth(k).get_attribute("href") for k in range(links.count())]
        assert len(hrefs) == len(LECTURE_PLAN) and all("lecture_mode=true" in h for h in hrefs), hrefs
        tab = context.new_page()
        tab.goto(urllib.parse.urljoin(f"{server_url}/", hrefs[6]))
        wait_until_idle(tab)
        assert tab.locator(".st-key-lecture_mode input").is_checked()
        assert tab.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
        links.nth(6).click()
        page.wait_for_url(lambda url: "moment=7" in url)
        wait_until_idle(page)
        page.wait_for_function("() => new URLSearchParams(location.search).getAll('lecture_mode').length === 1",
                               timeout=10_000 * HANG_FACTOR)
        assert page.locator(".st-key-lecture_mode input").is_checked()
        assert exceptions_on(page) == [] and exceptions_on(tab) == []
    finally:
        context.close()


def test_a_figure_of_equal_scales_keeps_its_ranges_when_the_next_moment_changes_its_data(server_url, browser):
    """Moment 1 (iris) → Next → moment 2 (AND) on the same page: the boundary plot, updated in place, kept iris's plot
    area and widened AND's x range to −1.2 … 2.2 (opened directly: −0.5 … 1.5)."""
    context = new_context(browser, viewport={"width": 1280, "height": 720})
    ranges = """() => { const l = document.querySelector('.st-key-perc_boundary .js-plotly-plot')._fullLayout;
                        return [l.xaxis.range, l.yaxis.range]; }"""
    try:
        page = context.new_page()
        page.goto(f"{server_url}/perceptron?moment=1&lecture_mode=true")
        wait_until_idle(page)
        assert page.evaluate(ranges)[0][0] > 0  # iris: x from its data
        page.locator("[data-testid='stPageLink'] a", has_text="Next ▶").first.click()
        page.wait_for_url(lambda url: "moment=2" in url)
        wait_until_idle(page)
        page.wait_for_function(f"() => ({ranges})()[1][0] === -0.5", timeout=10_000 * HANG_FACTOR)
        assert page.evaluate(ranges) == [[-0.5, 1.5], [-0.5, 1.5]]
        assert exceptions_on(page) == []
    finally:
        context.close()


def test_a_lecture_mode_link_opened_on_a_phone_shows_the_page_at_its_usual_sizes(server_url, browser):
    """A link copied from the projector carries lecture_mode=true; on a phone its projector sizes broke the title
    ("Backpropagat" / "ion") and cut the diagram's labels. Below 640 px the page is drawn at its usual sizes, Lecture
    mode stays switched on (and in the link), and the same window made wide draws it for the projector again."""
    context = phone_context(browser)
    root_font = "() => getComputedStyle(document.documentElement).fontSize"
    title_lines = """() => { const walker = document.createTreeWalker(document.querySelector('h1'), NodeFilter.SHOW_TEXT);
        const tops = new Set();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(node);
            for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
        }
        return tops.size; }"""
    try:
        page = context.new_page()
        page.goto(f"{server_url}/{PAGE_PATHS['backprop']}?lecture_mode=true")
        # the first run draws for the projector (the server does not know the screen yet), the run the screen-size
        # component asks for draws for the phone: its data says what the server knows (16 px: also before any style)
        page.wait_for_function("() => window.__nnvizScreen && window.__nnvizScreen.data.size === 'small'",
                               timeout=10_000 * HANG_FACTOR)
        wait_until_idle(page)
        assert page.evaluate(root_font) == "16px"
        assert page.evaluate(title_lines) == 1
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        diagram = page.locator(".st-key-bp_diagram .main-svg").first.bounding_box()
        assert diagram["height"] < 600, diagram  # 560 px plus its header in Lecture mode; ~450 px on a phone
        assert page.evaluate(DIAGRAM_TEXT_INSIDE), "every text of the diagram inside it (o₁ was cut at the right)"
        assert page.locator(".st-key-lecture_mode input").is_checked()
        page.locator("[data-testid='stExpandSidebarButton']").click()
        assert "lecture_mode=true" in copied_link(page)
        page.set_viewport_size({"width": 1280, "height": 720})
        page.wait_for_function("() => window.__nnvizScreen.data.size !== 'small'", timeout=10_000 * HANG_FACTOR)
        page.wait_for_function(f"() => ({root_font})() === '20px'", timeout=10_000 * HANG_FACTOR)
        wait_until_idle(page)
        assert exceptions_on(page) == []
    finally:
        context.close()


def test_a_try_this_preset_of_a_widget_not_yet_drawn_is_in_the_address_bar(server_url, browser):
    """'start w₁ = −0.1' switches to the two valleys, whose w₁ slider had not been drawn: Streamlit wrote the
    surface into the address bar but not w₁, and that address reloaded started at w₁ = 0.05, in the other valley
    (a student's review). The address bar (location, not Playwright's page.url, which lags behind pushState) now
    holds both, and opens the same view."""
    context = new_context(browser, viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{server_url}/{PAGE_PATHS['gradient_descent']}")
        wait_until_idle(page)
        page.locator(".st-key-try_gradient_descent_4_1 button").click()
        page.wait_for_function("() => location.search.includes('gd2_w1_valleys')", timeout=10_000 * HANG_FACTOR)
        query = urllib.parse.parse_qs(page.evaluate("location.search").lstrip("?"))
        assert query["gd2_w1_valleys"] == ["-0.1"] and query["gd2_surface"] == ["Two valleys and a saddle"]
        page.goto(page.evaluate("location.href"))
        wait_until_idle(page)
        slider = page.locator(".st-key-gd2_w1_valleys").get_by_role("slider")
        assert slider.get_attribute("aria-valuetext") == "-0.10"
        assert exceptions_on(page) == []
    finally:
        context.close()


def test_weights_set_by_hand_from_a_link_are_reset_and_their_fold_made_only_when_needed(server_url, browser):
    """'Reset all' under Backpropagation's weights set by hand did nothing in the browser: the network's sections
    reran, the field kept the weights and sent them back, and from a link it took them from the address again
    (AppTest, which runs without fragments, passed). Folded with no weight set, its widgets are not made at all;
    unfolding makes them."""
    context = new_context(browser, viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{server_url}/{PAGE_PATHS['backprop']}?bp_hand_set=w(1)_11%3D5")
        wait_until_idle(page)
        field = page.locator(".st-key-bp_hand_set input")
        loss = page.locator("[data-testid='stMetricValue']").first
        assert field.input_value() == "w(1)_11=5" and loss.inner_text() == "0.4999"  # the link's weight: open
        page.locator(".st-key-bp_hand_reset button").click()
        page.wait_for_function("() => !location.search.includes('bp_hand_set')", timeout=10_000 * HANG_FACTOR)
        wait_until_idle(page)
        assert field.input_value() == "" and loss.inner_text() == "0.5210"  # the seed's weights
        fold = page.get_by_text("Set weights by hand", exact=True)
        fold.click()  # folded with no weight set: its widgets go
        page.wait_for_timeout(500)
        wait_until_idle(page)
        assert page.locator(".st-key-bp_hand_set").count() == 0
        thumb = page.locator(".st-key-bp_units").get_by_role("slider")
        thumb.focus()
        thumb.press("ArrowRight")  # a change of the network: the weights stay the seed's
        wait_until_idle(page)
        assert "bp_hand_set" not in page.evaluate("location.search")
        fold.click()
        page.locator(".st-key-bp_hand_set input").wait_for(timeout=10_000 * HANG_FACTOR)
        assert field.input_value() == ""
        assert exceptions_on(page) == []
    finally:
        context.close()
