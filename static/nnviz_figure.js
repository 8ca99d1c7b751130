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
  if (chart.__layoutRest === restText && figure.data.length === drawn.length && figure.data.every((t, i) => t === drawn[i])) {
    // only shapes moved (a marker line): relayout redraws them alone, where Plotly.react computes and draws every
    // trace and axis again (a shape may widen an axis' range), ~20 times longer. (Not for annotations: relayout
    // draws the whole figure again for those.)
    Plotly.relayout(chart, {shapes: shapes || []});
  } else if (chart.__scales !== undefined && chart.__scales !== scales) {
    // axes of equal scale (scaleanchor) with other ranges: Plotly.react kept the plot area of the figure before and
    // widened the new ranges to fit it (the perceptron's AND drawn from -1.2 to 2.2 after iris, not -0.5 to 1.5)
    Plotly.newPlot(chart, figure.data, figure.layout, config);
  } else {
    Plotly.react(chart, figure.data, figure.layout, config);
  }
  chart.__scales = scales;
  chart.__layoutRest = restText;
  chart.__drawnTraces = figure.data;
  if (!chart.__resizes) {  // "responsive" follows the window only: also follow the column (the sidebar folding)
    let width = chart.parentElement.clientWidth;
    chart.__resizes = new ResizeObserver(() => {
      const now = chart.parentElement.clientWidth;
      if (now === width || !now || !chart.isConnected) return;  // a hidden or removed chart is not resized
      width = now;
      if (Boolean(narrowLayout(chart.__narrowSpec, now)) !== chart.__narrow) {  // drawn again, the other way
        chart.__figure = null;
        drawInPlace(chart, chart.__data);
      } else {
        Plotly.Plots.resize(chart).catch(() => {});
      }
    });
    chart.__resizes.observe(chart.parentElement);
  }
};

// A figure component's element: draw its figure in its chart.
export function drawFigure({ data, parentElement }) {
  drawInPlace(parentElement.querySelector(".nnviz-figure"), data);
}
