/**
 * The agent layer (#cobrowse-agent-layer): where the visitor sees the agents' pointers, highlights and
 * drawings, over the page, in document coordinates.
 *
 * It is a zero-sized box at the document's origin (appended to <html>, position absolute, overflow visible),
 * so its children are placed with the call's document coordinates as they are and scroll with the page.
 * It takes no pointer events (pointer-events: none, inherited by every mark): a click on a mark reaches the
 * page beneath. It carries data-cobrowse-ignore, so the recorder leaves it out of the mirror. Its box is set
 * through the CSSOM (a page's CSP may forbid inline style attributes, never CSSOM writes), the marks' looks
 * come from cobrowse-call.css.
 *
 * Each mark fades by itself: a pointer ~3 s after it last moved, a highlight after ~3 s (marks.js).
 */

const POINTER_FADE_MS = 3000;
/** How long a fading mark takes to go (the CSS transition of .cobrowse-fading), before it is removed. */
export const FADE_OUT_MS = 400;

/** The layer's box: at the document's origin, sized 0, showing its children, over everything, untouchable. */
const LAYER_STYLE = {
  position: "absolute",
  left: "0",
  top: "0",
  width: "0",
  height: "0",
  overflow: "visible",
  pointerEvents: "none",
  zIndex: "2147483647",
};

/** Creates an element of the layer's (`svg` for an SVG one), with a class. */
export function make(tag, className, parent, svg) {
  const element = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  element.setAttribute("class", className);
  if (parent) parent.appendChild(element);
  return element;
}

/** Places `element` at the document point {x, y}. */
export function place(element, at) {
  element.style.transform = "translate(" + at.x + "px, " + at.y + "px)";
}

/**
 * Fades `element` out `after` ms from now (again from now if called again), then removes it and calls
 * `gone`. Returns a function that cancels the fade.
 */
export function fadeLater(element, after, gone) {
  clearTimeout(element.fadeTimer);
  element.classList.remove("cobrowse-fading");
  element.fadeTimer = setTimeout(() => {
    element.classList.add("cobrowse-fading");
    element.fadeTimer = setTimeout(() => {
      element.remove();
      if (gone) gone();
    }, FADE_OUT_MS);
  }, after);
}

/** The layer: {root, pointer(agent, at, name), clear(agent), end()}. */
export function createLayer() {
  const root = make("div", "cobrowse-agent-layer");
  root.id = "cobrowse-agent-layer";
  root.setAttribute("data-cobrowse-ignore", "");
  root.setAttribute("aria-hidden", "true"); // what it shows is said in the widget (presence.js)
  Object.assign(root.style, LAYER_STYLE);
  document.documentElement.appendChild(root);
  const pointers = new Map(); // agent → its pointer element

  /** Shows the agent's pointer at `at` with its name, or takes it away (`at` null). */
  function pointer(agent, at, name) {
    let shown = pointers.get(agent);
    if (!at) return shown && (clearTimeout(shown.fadeTimer), shown.remove(), pointers.delete(agent));
    if (!shown) {
      shown = make("div", "cobrowse-pointer cobrowse-agent-" + (agent % 4), root);
      make("span", "cobrowse-pointer-arrow", shown);
      make("span", "cobrowse-pointer-name", shown);
      pointers.set(agent, shown);
    }
    shown.lastChild.textContent = name || "Agent";
    if (!root.isConnected) document.documentElement.appendChild(root); // a page may have replaced <html>'s children
    place(shown, at);
    const faded = shown;
    // Only this element's own entry goes: a newer pointer of the agent's may have taken its place.
    fadeLater(shown, POINTER_FADE_MS, () => pointers.get(agent) === faded && pointers.delete(agent));
  }

  return {
    root,
    pointer,
    /** Takes the agent's pointer away (it left). */
    clear: (agent) => pointer(agent, null),
    end: () => root.remove(),
  };
}
