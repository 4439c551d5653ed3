// The step of the unrolled graph and gates pages, chosen and drawn in the browser (ui/step_view.py sends every
// step's recorded numbers once per setting). The bar (◀, the slider, ▶, the keys ← → Home End, a click on a
// node or a column of a chart) moves the step; the step's numbers (unrolled) or bars (gates) are redrawn from
// the payload, and the page's charts follow: the charts the page draws itself (the unrolled graph, the gates
// heatmaps) mark step t themselves; each Plotly chart was drawn once with one highlight per step (shapes and
// annotations named "step k", hidden) and the one of step t is shown. No request goes to the server for a step: the link is written at once and the server hears of
// the step once the stepping pauses (stepping.js).
//
// One page may mount this component more than once (the unrolled page: the bar above the graph, the numbers
// below it); the mounts of one setting share the step through a small store on the window, keyed by it.
// Drawing only: numbers are formatted, never computed; text is set with textContent, never as HTML.

function stepStore(P) {
  const all = (window.__stepViews ??= {});
  const s = (all[P.param] ??= { views: new Set(), t: P.t, sig: null, tokens: null });
  // a new run opens where the server says; the same words under another setting keep the browser's place
  if (s.sig !== P.sig && s.tokens !== JSON.stringify(P.tokens)) s.t = P.t;
  s.sig = P.sig;
  s.tokens = JSON.stringify(P.tokens);
  s.t = Math.max(0, Math.min(P.T - 1, s.t));
  return s;
}

// ---- the page's charts, found by their keys (Streamlit's st-key-… class) -----------------------------------
function chartsOf(keys) {
  return keys.map((k) => document.querySelector(`.st-key-${k} .js-plotly-plot`)).filter((gd) => gd && gd.layout);
}

// the charts the page draws itself (the gates heatmaps, heatmap.js; the unrolled graph, graph.js): they mark a
// step themselves and report a click on a column
function ownChartsOf(keys) {
  return keys.map((k) => document.querySelector(`.st-key-${k} :is(.gate-heatmap, .unrolled-graph)[data-drawn]`))
    .filter(Boolean);
}

const STEP_NAME = /^(step|label) (\d+)$/;

// show step t's highlight in one Plotly chart (the backward view's shares, the gates page's saturation):
// shapes and annotations named "step k" only at k = t, annotations named "label k" bold at k = t
function markChart(gd, t) {
  const L = gd.layout;
  (L.shapes || []).forEach((s, i) => {
    const m = STEP_NAME.exec(s.name || "");
    if (!m) return;
    for (const p of gd.querySelectorAll(`.shapelayer path[data-index="${i}"]`)) {
      p.style.opacity = Number(m[2]) === t ? "1" : "0";
    }
  });
  (L.annotations || []).forEach((a, i) => {
    const m = STEP_NAME.exec(a.name || "");
    const g = m && gd.querySelector(`g.annotation[data-index="${i}"]`);
    if (!g) return;
    if (m[1] === "step") g.style.opacity = Number(m[2]) === t ? "1" : "0";
    else for (const text of g.querySelectorAll("text")) text.style.fontWeight = Number(m[2]) === t ? "bold" : "normal";
  });
  gd.dataset.step = String(t);
}

// the step of a clicked point: its customdata starts with the step where it is a row, else its x (bars)
function stepOfClick(ev) {
  const pt = ev && ev.points && ev.points[0];
  if (!pt) return null;
  const c = pt.customdata;
  const v = c !== undefined && c !== null && typeof c === "object" && c.length ? c[0] : pt.x;
  const t = Math.round(Number(v));
  return Number.isFinite(t) ? t : null;
}

// ---- the bar: ◀, the slider, ▶ and the step's name ---------------------------------------------------------
function stepBar(root, P, store) {
  const bar = el("div", "stepbar");
  const label = el("span", "label", P.label);
  const prev = el("button", "previous", "◀");
  const next = el("button", "next", "▶");
  prev.type = next.type = "button";
  prev.title = "One step back (←)";
  next.title = "One step on (→)";
  const slider = el("input", "slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(P.T - 1);
  slider.step = "1";
  slider.setAttribute("aria-label", P.label);
  const name = el("span", "name");
  bar.append(label, prev, slider, next, name);
  root.appendChild(bar);
  prev.addEventListener("click", () => store.go(store.t - 1));
  next.addEventListener("click", () => store.go(store.t + 1));
  slider.addEventListener("input", () => store.go(Number(slider.value)));
  return (t) => {
    slider.value = String(t);
    prev.disabled = t === 0;
    next.disabled = t >= P.T - 1;
    setText(name, `${t} · ${P.tokens[t]}`);
  };
}

export default function ({ data, parentElement, setStateValue }) {
  endLastRun(parentElement);
  const P = data;
  const store = stepStore(P);
  parentElement.querySelector(".stepview")?.remove();
  const root = el("div", "stepview");
  parentElement.appendChild(root);
  const draws = [];
  if (P.parts.includes("bar")) draws.push(stepBar(root, P, store));
  if (P.parts.includes("numbers")) draws.push(unrolledNumbers(root, P));
  if (P.parts.includes("bars")) draws.push(gateBars(root, P));
  const view = { draw: (t) => { for (const d of draws) d(t); root.dataset.drawn = String(t); } };
  store.views.add(view);
  view.draw(store.t);
  if (!P.parts.includes("bar")) return thisRun(parentElement, () => store.views.delete(view));

  // the bar's mount owns the step: it moves it, marks the charts, writes the link and reports
  const rep = reporter((v) => setStateValue("view", v), () => ({ t: store.t }), { t: P.t });
  const outside = (t) => P.window && (t < P.window[0] || t >= P.window[1]);
  const markAll = () => {
    for (const gd of chartsOf(P.charts)) markChart(gd, store.t);
    for (const own of ownChartsOf(P.charts)) own.markStep(store.t);
  };
  store.go = (t) => {
    const to = Math.max(0, Math.min(P.T - 1, t));
    if (to === store.t) return;
    store.t = to;
    for (const v of store.views) v.draw(to);
    markAll();
    writeStepLink(P.param, to);
    // a step outside the steps the graph draws needs the server to draw another window: ask now
    if (outside(to)) rep.flush(); else rep.schedule();
  };
  // charts appear after this mount and are drawn again on a resize: hook each one once, mark it after each plot
  const hook = () => {
    for (const gd of chartsOf(P.charts)) {
      if (gd.__stepHooked !== P.param) {
        gd.__stepHooked = P.param;
        gd.on("plotly_click", (ev) => { const t = stepOfClick(ev); if (t !== null) window.__stepViews[P.param].go(t); });
        gd.on("plotly_afterplot", () => markChart(gd, window.__stepViews[P.param].t));
      }
      if (gd.dataset.step !== String(store.t)) markChart(gd, store.t);
    }
    for (const own of ownChartsOf(P.charts)) {
      if (own.__stepHooked !== P.param) {
        own.__stepHooked = P.param;
        own.addEventListener("stepclick", (ev) => window.__stepViews[P.param].go(ev.detail));
        own.addEventListener("chartdrawn", () => own.markStep(window.__stepViews[P.param].t));
      }
      if (own.dataset.step !== String(store.t)) own.markStep(store.t);
    }
  };
  hook();
  const poll = setInterval(hook, 250);
  // a click on a chart that follows the step is stepping too, not a setting
  const mine = (e) => e.composedPath().some((n) => n === root ||
    (n instanceof Element && P.charts.some((k) => n.classList.contains(`st-key-${k}`))));
  const unlisten = listenForSteps({
    ArrowRight: () => store.go(store.t + 1), ArrowLeft: () => store.go(store.t - 1),
    Home: () => store.go(0), End: () => store.go(P.T - 1),
  }, mine, rep);
  if (rep.unsent()) { writeStepLink(P.param, store.t); rep.schedule(); }
  return thisRun(parentElement, () => {
    store.views.delete(view);
    clearInterval(poll);
    rep.cancel();
    unlisten();
  });
}
