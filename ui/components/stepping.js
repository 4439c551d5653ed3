// Stepping in the browser, shared by the step-through page's stepper and the step views of the unrolled graph
// and gates pages: the step written into the link at once, reported to the server only once the stepping has
// paused, and the keys, listened for on the whole page.

const REPORT_MS = 1500;              // quiet time after the last step change before the server hears of it

// the step into the address bar at once, without a rerun (left out at its default, 0)
function writeStepLink(param, t) {
  const url = new URL(window.location.href);
  if (t === 0) url.searchParams.delete(param); else url.searchParams.set(param, String(t));
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url.href);
}

// send(view()) once nothing has changed for REPORT_MS, and only if the server has not heard that view yet
// (``initial`` is what it sent); nothing is sent while hold() is true (playing)
function reporter(send, view, initial, hold = () => false) {
  let timer = null, reported = JSON.stringify(initial);
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    const now = JSON.stringify(view());
    if (now === reported || hold()) return;
    reported = now;
    send(view());
  };
  return {
    flush,
    schedule() { clearTimeout(timer); timer = setTimeout(flush, REPORT_MS); },
    pending: () => timer !== null,
    unsent: () => JSON.stringify(view()) !== reported,
    cancel() { clearTimeout(timer); timer = null; },
  };
}

// a key meant for a control with keys of its own: a text box, a slider, a select, a list
function typingIn(e) {
  const t = e.composedPath()[0];
  if (!(t instanceof Element)) return false;
  // a segmented control (radio buttons) keeps no use for arrows that matters more here: a teacher who has
  // just clicked "LSTM" and presses → means the next step
  return t.matches("input, textarea, select, [contenteditable], [contenteditable] *") ||
    Boolean(t.closest("[role=slider], [role=combobox], [role=listbox]"));
}

// Document-wide listeners: ``keys`` maps a key to its action (an action returning false lets the key pass);
// a pointer going down outside the stepping's own elements (``mine(e)``) first sends a pending report, so that
// a click on a setting reruns the page on this step. Returns the function that removes the listeners.
function listenForSteps(keys, mine, rep) {
  const onKey = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || typingIn(e)) return;
    const act = keys[e.key];
    if (!act || act(e) === false) return;
    e.preventDefault();
    e.stopPropagation();                                         // not also a move of a radio group's focus
  };
  const onKeyUp = (e) => { if (e.key === " " && keys[" "] && mine(e)) e.preventDefault(); };   // no second click
  const onPointer = (e) => { if (rep.pending() && !mine(e)) rep.flush(); };
  document.addEventListener("keydown", onKey, true);           // capture: before a focused control's own keys
  document.addEventListener("keyup", onKeyUp);
  document.addEventListener("pointerdown", onPointer, true);
  return () => {
    document.removeEventListener("keydown", onKey, true);
    document.removeEventListener("keyup", onKeyUp);
    document.removeEventListener("pointerdown", onPointer, true);
  };
}

// Streamlit 1.67 runs a component's function again when its data changes without calling the cleanup that the
// last run returned (it calls only the last one, on unmount), so listeners and timers would pile up: each run
// calls ``endLastRun(parentElement)`` first and hands its own cleanup to ``thisRun``, which returns it.
function endLastRun(parentElement) {
  const last = parentElement.__cleanup;
  parentElement.__cleanup = null;
  if (last) last();
}

function thisRun(parentElement, cleanup) {
  let done = false;
  const once = () => { if (!done) { done = true; cleanup(); } };
  parentElement.__cleanup = once;
  return once;
}
