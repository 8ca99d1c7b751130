// Figures drawn in place: the code of nnviz.ui's figure components (see 'Drawing a figure in place' there).
// Served by Streamlit from the app's static folder (server.enableStaticServing), so that a figure's message
// names this module instead of carrying it, and the browser loads it once a page.
const FULLSCREEN = {
  name: "fullscreen", title: "Show this figure on the whole screen (Esc to leave)",
  icon: {width: 24, height: 24, path: "M7 14H5v5h5v-2H7v-3zm-2-4h2V7h3V5H5v5zm12 7h-3v2h5v-5h-2v3zM14 5v2h3v3h2V5h-5z"},
  click: chart => document.fullscreenElement === chart ? document.exitFullscreen() : chart.requestFullscreen(),
};
const onFullscreenChange = (chart) => {
  const full = document.fullscreenElement === chart;
  chart.style.background = full ? "white" : "";
  window.Plotly.relayout(chart, full ? {width: chart.clientWidth, height: chart.clientHeight}
                                     : {width: null, height: chart.__height});
};
const loadPlotly = (chunk) => {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  const index = document.querySelector("script[src*='static/js/index.']");
  const url = new URL(chunk, index ? index.src : new URL("static/js/", document.baseURI));
  window.__nnvizPlotly = window.__nnvizPlotly || import(url.href).then(() => window.Plotly);
  return window.__nnvizPlotly;
};
// A screen without hover (a phone, a tablet): Plotly draws its toolbar there all the time, on the figure's top right,
// over titles, legends and labels (seven pages on a phone); none there (a double tap still resets a zoom)
const NO_HOVER = window.matchMedia("(hover: none)").matches;
// A figure may carry a layout for a narrow place (layout.meta.narrow = {below: px, layout: top-level keys}), e.g.
// small multiples one under the other on a phone: used while the figure's column is narrower than "below".
const narrowLayout = (narrow, width) => (narrow && width < narrow.below ? narrow.layout : null);
// the ranges and domains of a layout's axes of equal scale: a change of them needs a new plot (see drawInPlace)
const equalScales = (layout) => JSON.stringify(Object.entries(layout)
  .filter(([name, axis]) => /^[xy]axis/.test(name) && axis && (axis.scaleanchor || axis.constrain))
  .map(([name, axis]) => [name, axis.range, axis.domain]));
// A narrow layout may say how tall its plot area is (meta.narrow.plot = {px} or {aspect: height per px of width}):
// Python reckons that layout's height for a phone's column and text, and the legend and axes under the plot take
// more in Lecture mode's text or a wider column (the perceptron's Iris plot was 170 x 77 px on a projector with the
// sidebar open). Once drawn, the figure grows or shrinks to the plot asked for, no taller than the window leaves
// under Streamlit's header and a lecture moment's bar.
const fitNarrowPlot = (chart, plot) => {
  const full = chart._fullLayout;
  if (!plot || !full || !full._size) return;
  const want = plot.aspect ? full._size.w * plot.aspect : plot.px;
  const height = Math.round(Math.min(full.height - full._size.h + want, Math.max(window.innerHeight - 160, 300)));
  if (Math.abs(height - full.height) < 3) return;
  chart.__fitted = {width: chart.parentElement.clientWidth, height};
  chart.__height = height;
  chart.style.height = height + "px";
  // drawn again, not relayout: a relayout of the height fixes the width too (autosize off), and the figure then
  // kept a wide column's width in a narrow one
  return window.Plotly.react(chart, chart.data, {...chart.layout, height}, chart.__config);
};
const drawInPlace = async (chart, data) => {
  if (chart.__figure === data.figure) return;
  chart.__figure = data.figure;
  chart.__data = data;
  const figure = JSON.parse(data.figure);
  if (!chart.style.height) chart.style.height = figure.layout.height + "px";  // its room while Plotly loads
  const Plotly = await loadPlotly(data.plotly);
  if (chart.__figure !== data.figure) return;  // a newer figure came while Plotly loaded: that one is drawn
  chart.__narrowSpec = (figure.layout.meta || {}).narrow;
  // the column's width only for a figure that has a narrow layout: reading it makes the browser lay the page out now
  const narrow = chart.__narrowSpec ? narrowLayout(chart.__narrowSpec, chart.parentElement.clientWidth) : null;
  chart.__narrow = Boolean(narrow);
  if (narrow) figure.layout = {...figure.layout, ...narrow};
  const fitted = chart.__fitted;  // the height this column's plot was fitted to (fitNarrowPlot): drawn at it again
  if (narrow && chart.__narrowSpec.plot && fitted && fitted.width === chart.parentElement.clientWidth) {
    figure.layout.height = fitted.height;
  }
  figure.layout.font = {family: getComputedStyle(chart).fontFamily, ...figure.layout.font};  // as st.plotly_chart
  chart.style.height = figure.layout.height + "px";
  chart.__height = figure.layout.height;
  if (document.fullscreenElement === chart) Object.assign(figure.layout, {width: chart.clientWidth, height: chart.clientHeight});
  if (!chart.__fullscreen) {
    chart.__fullscreen = true;
    chart.addEventListener("fullscreenchange", () => onFullscreenChange(chart));
  }
  const before = chart.__traces || {};
  chart.__traces = {};
  figure.data = figure.data.map(trace => {
    const text = JSON.stringify(trace);
    const kept = before[text] || trace;
    chart.__traces[text] = kept;
    return kept;
  });
  const config = data.config.displayModeBar === false || NO_HOVER ? {...data.config, displayModeBar: false}
    : {...data.config, modeBarButtonsToAdd: [FULLSCREEN]};
  const {shapes, ...rest} = figure.layout;
  const restText = JSON.stringify(rest);
  const drawn = chart.__drawnTraces || [];
  const scales = equalScales(figure.layout);
  chart.__config = config;
  let drawing;
  if (chart.__layoutRest === restText && figure.data.length === drawn.length && figure.data.every((t, i) => t === drawn[i])) {
    // only shapes moved (a marker line): relayout redraws them alone, where Plotly.react computes and draws every
    // trace and axis again (a shape may widen an axis' range), ~20 times longer. (Not for annotations: relayout
    // draws the whole figure again for those.)
    drawing = Plotly.relayout(chart, {shapes: shapes || []});
  } else if (chart.__scales !== undefined && chart.__scales !== scales) {
    // axes of equal scale (scaleanchor) with other ranges: Plotly.react kept the plot area of the figure before and
    // widened the new ranges to fit it (the perceptron's AND drawn from -1.2 to 2.2 after iris, not -0.5 to 1.5)
    drawing = Plotly.newPlot(chart, figure.data, figure.layout, config);
  } else {
    drawing = Plotly.react(chart, figure.data, figure.layout, config);
  }
  if (narrow) drawing.then(() => chart.__figure === data.figure && fitNarrowPlot(chart, chart.__narrowSpec.plot));
  chart.__scales = scales;
  chart.__layoutRest = restText;
  chart.__drawnTraces = figure.data;
  if (!chart.__resizes) {  // "responsive" follows the window only: also follow the column (the sidebar folding)
    let width = chart.parentElement.clientWidth;
    chart.__resizes = new ResizeObserver(() => {
      const now = chart.parentElement.clientWidth;
      if (!now || !chart.isConnected) return;  // a hidden or removed chart is not resized
      // asked before the width's own check, also at the observer's first call: the column can change between the
      // layout's choice and this observer (the sidebar opened as the page came: Iris kept its wide layout)
      if (Boolean(narrowLayout(chart.__narrowSpec, now)) !== chart.__narrow) {  // drawn again, the other way
        width = now;
        chart.__figure = null;
        drawInPlace(chart, chart.__data);
      } else if (now !== width) {
        width = now;
        Plotly.Plots.resize(chart).then(() => chart.__narrow && fitNarrowPlot(chart, chart.__narrowSpec.plot))
          .catch(() => {});
      }
    });
    chart.__resizes.observe(chart.parentElement);
  }
};

// A figure component's element: draw its figure in its chart.
export function drawFigure({ data, parentElement }) {
  drawInPlace(parentElement.querySelector(".nnviz-figure"), data);
}
