// A Plotly figure drawn with the project's own copy of plotly.js (static/plotly-cartesian-*.min.js: the
// cartesian bundle, 1.5 MB), loaded once per tab and cached by the browser, instead of Streamlit's chart chunk
// (the whole of plotly.js and more, 4.7 MB), which a page's first load had to fetch and compile before
// its first chart (ui/plot.py says why). The figure is the engine's numbers as viz/ drew them: nothing is
// computed here, and nothing is fetched from outside the server (no CDN, no link out to Plotly's site). The
// chart lives in the page, not a shadow root, so Plotly's own styles reach it and the step views find it as
// `.st-key-<key> .js-plotly-plot`.

// the page's look, where a figure leaves it unset (a template never overrides what the figure says)
const LOOK = {
  paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
  // Streamlit's categorical colours, for a trace that names none (viz names them nearly everywhere)
  colorway: ["#0068C9", "#83C9FF", "#FF2B2B", "#FFABAB", "#29B09D", "#7DEFA1", "#FF8700", "#FFD16A", "#6D3FC0",
    "#D5DAE5"],
  title: { x: 0, xanchor: "left", font: { weight: 600 } },
  xaxis: { automargin: true, showgrid: false, zeroline: false, gridcolor: "#E6EAF1", tickcolor: "#D5DAE5" },
  yaxis: { automargin: true, gridcolor: "#E6EAF1", zerolinecolor: "#D5DAE5", tickcolor: "#D5DAE5" },
  hoverlabel: { bgcolor: "#FFFFFF", bordercolor: "#D5DAE5" },
};

const IDLE_MS = 400;

function library(src) {
  // one load per tab, shared by every chart; the promise keeps Plotly itself, whatever else sets window.Plotly
  // asked for once the page is idle: its half second of running would otherwise hold up what the page draws
  // itself while it mounts (the gates heatmaps), and a chart waits at most IDLE_MS for that
  return (window.__unrolledPlotly ??= new Promise((resolve, reject) => {
    const load = () => {
      const script = document.createElement("script");
      script.src = new URL(src, document.baseURI).href;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")));
      script.onerror = () => { delete window.__unrolledPlotly; reject(new Error(`could not load ${src}`)); };
      document.head.appendChild(script);
    };
    if (window.requestIdleCallback) requestIdleCallback(load, { timeout: IDLE_MS }); else setTimeout(load, 0);
  }));
}

function axesWithLook(layout) {
  const template = { layout: { ...LOOK } };
  for (const name of Object.keys(layout)) {            // every axis of a figure of several panels
    const m = /^([xy])axis\d*$/.exec(name);
    if (m) template.layout[name] = LOOK[`${m[1]}axis`];
  }
  return { ...layout, template };
}

export default function ({ data, parentElement }) {
  let gd = parentElement.querySelector(":scope > .unrolled-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "unrolled-plot";
    gd.style.width = "100%";
    gd.style.minHeight = `${data.height}px`;             // room kept while the library loads: nothing jumps
    parentElement.appendChild(gd);
  }
  if (gd.__sig === data.sig) return undefined;         // the same figure again (a rerun): nothing to redraw
  gd.__sig = data.sig;
  library(data.src).then((Plotly) => {
    if (gd.__sig !== data.sig) return undefined;        // a newer figure came while the library loaded
    const fig = JSON.parse(data.figure);               // sent as its JSON text (ui.plot.figure_json)
    const config = { responsive: true, displaylogo: false, ...data.config };
    return Plotly.react(gd, fig.data, axesWithLook(fig.layout || {}), config)
      .then(() => {
        gd.dataset.drawn = data.sig;
        if (!gd.__resize) {                               // the column's width changes without a window resize
          gd.__resize = new ResizeObserver(() => {
            // not while hidden (a collapsed expander, a page being left): Plotly refuses a div not displayed
            if (gd.dataset.drawn && gd.offsetParent !== null) Plotly.Plots.resize(gd).catch(() => {});
          });
          gd.__resize.observe(gd);
        }
      });
  }).catch((err) => {
    gd.textContent = `This chart could not be drawn (${err.message}). Reload the page to try again.`;
  });
  return undefined;
}
