// Helpers of the charts the page draws itself (heatmap.js, graph.js): SVG elements, text set with textContent
// (never as markup), the hover box, and round ticks for a colour bar.

const NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// round tick values for a colour bar: 1, 2, 2.5 or 5 times a power of ten, about five of them
function barTicks(lo, hi) {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) return [lo];
  const raw = (hi - lo) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw * 0.999);
  const out = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9 && k < first + 12; k += 1) out.push(k === 0 ? 0 : k * step);
  return out;
}

// a tick's value as written: six digits at most; on a bar whose largest tick is at least 1e5 or under 0.001, every
// tick with a short exponent (2.5e20, 1e−4); minus signs as such
const tickText = (v, largest = Math.abs(v)) => {
  const text = v !== 0 && (largest >= 1e5 || largest < 1e-3) ? v.toExponential(1).replace(".0e", "e").replace("e+", "e")
    : String(Number(v.toPrecision(6)));
  return text.replace(/-/g, "−");
};

// the hover box's lines, each a div of text
function tipLines(tip, lines) {
  tip.replaceChildren(...lines.map((line) => {
    const d = document.createElement("div");
    d.textContent = line;
    return d;
  }));
}

// a unique id for a gradient in the page (several charts share one document)
function svgId(prefix) {
  window.__svgIds = (window.__svgIds || 0) + 1;
  return `${prefix}-${window.__svgIds}`;
}

// a chart drawn by the page: mounted once under parentElement, drawn again at a new width (a sidebar opened, a
// narrower screen: no window resize) and for new data, not for a rerun's same data; "chartdrawn" tells the step
// view to mark its step at once. draw(box, spec) sets box.markStep and box.__width.
function mountChart(parentElement, data, className, draw) {
  let box = parentElement.querySelector(`:scope > .${className}`);
  if (!box) {
    box = document.createElement("div");
    box.className = className;
    box.style.height = `${data.height}px`;
    parentElement.appendChild(box);
    new ResizeObserver(() => {
      if (box.__spec && box.clientWidth && box.clientWidth !== box.__width) draw(box, box.__spec);
    }).observe(box);
  }
  if (box.__sig === data.sig) return;
  box.__sig = data.sig;
  box.__spec = JSON.parse(data.spec);
  delete box.__step;
  delete box.dataset.step;
  delete box.dataset.marked;
  draw(box, box.__spec);
  box.dataset.drawn = data.sig;
  box.dispatchEvent(new CustomEvent("chartdrawn"));
}
