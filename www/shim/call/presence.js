/**
 * Presence in the widget: who watches the page now, who controls it, and the visitor's way to take control
 * back (#cobrowse-control-stop), in a panel the call adds to the shim's widget (#cobrowse-widget).
 *
 * Each agent watching has its own Stop sharing button (button[data-cobrowse-dismiss="AGENT"], a stable
 * hook): the visitor stops one agent from watching without ending the session for the others.
 *
 * Screen readers hear of an agent who joins, of one the visitor stopped sharing with, and of control given
 * or taken back through a polite live region (#cobrowse-announce). The widget can be folded to its bar (#cobrowse-collapse) and moved to the
 * next corner of the window (#cobrowse-corner), so it never covers the page's controls for good; the
 * choice is kept for the tab's next pages (sessionStorage). The control line stays shown when folded.
 * The widget is the shim's (widget.js): the panel is put back into it whenever it is built again.
 */

const CORNERS = ["bottom-right", "bottom-left", "top-left", "top-right"];
const STORE = "cobrowse-call-ui";

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function button(id, text, parent, onclick) {
  const node = element("button", "cobrowse-call-button", parent, text);
  node.id = id;
  node.type = "button";
  node.onclick = onclick;
  return node;
}

/** The tab's choice of fold and corner, kept across its pages. */
function loadPlace() {
  try {
    return { collapsed: false, corner: 0, ...JSON.parse(sessionStorage.getItem(STORE) || "{}") };
  } catch {
    return { collapsed: false, corner: 0 };
  }
}

/**
 * Presence: agents(list), holder(name | null), end(). `release()` is the Take back control button,
 * `dismiss(agent, name)` an agent's Stop sharing button, `stylesheet` the call's <link> in the page.
 */
export function createPresence(release, dismiss = () => {}, stylesheet = null) {
  const place = loadPlace();
  // The call's stylesheet once more, in the widget's shadow root: its fold and corner (see cobrowse-call.css).
  const widgetSheet = stylesheet && stylesheet.cloneNode();
  const announcer = element("div", "cobrowse-announce");
  announcer.id = "cobrowse-announce";
  announcer.setAttribute("data-cobrowse-ignore", "");
  announcer.setAttribute("aria-live", "polite");
  (document.body || document.documentElement).appendChild(announcer);

  const panel = element("div", "cobrowse-call");
  panel.setAttribute("aria-live", "off"); // the widget is a status region: #cobrowse-announce says what changes
  const bar = element("div", "cobrowse-call-bar", panel);
  const fold = button("cobrowse-collapse", "", bar, () => ((place.collapsed = !place.collapsed), render()));
  button("cobrowse-corner", "Move", bar, () => ((place.corner = (place.corner + 1) % 4), render()));
  bar.lastChild.setAttribute("aria-label", "Move the cobrowse panel to another corner of the window");
  const watchers = element("div", "cobrowse-watchers", panel);
  watchers.id = "cobrowse-watchers";
  element("span", "cobrowse-watchers-label", watchers, "Watching:");
  const rows = element("ul", "cobrowse-watcher-list", watchers);
  const shown = new Map(); // agent → its row, kept while it watches (a focused button stays focused)
  const control = element("div", "cobrowse-control", panel);
  const controlText = element("p", "cobrowse-control-text", control);
  controlText.id = "cobrowse-control-text";
  button("cobrowse-control-stop", "Take back control", control, () => release());
  control.hidden = true;
  let known = new Map(); // agent → name, of the agents watching

  /** Puts the panel in the widget (again, if it was built anew) and shows the fold and corner. */
  function render() {
    const widget = document.getElementById("cobrowse-widget");
    const host = widget || document.body || document.documentElement;
    if (panel.parentNode !== host) host.appendChild(panel);
    const shadow = widget && widget.shadowRoot;
    if (shadow && widgetSheet && widgetSheet.parentNode !== shadow) shadow.appendChild(widgetSheet);
    panel.classList.toggle("cobrowse-call-alone", !widget);
    const root = widget || panel;
    root.setAttribute("data-cobrowse-corner", CORNERS[place.corner] || CORNERS[0]);
    root.toggleAttribute("data-cobrowse-collapsed", place.collapsed);
    fold.textContent = place.collapsed ? "Show" : "Hide";
    fold.setAttribute("aria-expanded", String(!place.collapsed));
    fold.setAttribute("aria-label", place.collapsed ? "Show the cobrowse panel" : "Fold the cobrowse panel");
    try {
      sessionStorage.setItem(STORE, JSON.stringify(place));
    } catch {
      // storage refused (private mode): the choice lasts for this page
    }
  }

  /** Says `text` to screen readers. */
  function announce(text) {
    announcer.textContent = text;
  }

  /** One watcher's row: its name and its Stop sharing button. */
  function row(agent, name) {
    const item = element("li", "cobrowse-watcher", null);
    element("span", "cobrowse-watcher-name", item, name);
    const stop = element("button", "cobrowse-call-button cobrowse-dismiss", item, "Stop sharing");
    stop.type = "button";
    stop.setAttribute("data-cobrowse-dismiss", String(agent));
    stop.setAttribute("aria-label", "Stop sharing with " + name);
    stop.title = "Stop sharing with " + name;
    stop.onclick = () => {
      const next = item.nextSibling || item.previousSibling;
      show(Array.from(known, ([id, other]) => ({ agent: id, name: other })).filter((watcher) => watcher.agent !== agent));
      announce("You stopped sharing your page with " + name + ".");
      (next ? next.querySelector("button") : fold).focus();
      dismiss(agent, name);
    };
    return item;
  }

  /** Shows `list` as the watchers, keeping the rows of those already shown. */
  function show(list) {
    known = new Map(list.map(({ agent, name }) => [agent, name]));
    shown.forEach((item, agent) => known.has(agent) || (item.remove(), shown.delete(agent)));
    list.forEach(({ agent, name }) => shown.has(agent) || shown.set(agent, rows.appendChild(row(agent, name))));
    watchers.hidden = !list.length;
  }

  return {
    /** Who watches now ([{agent, name}]); a newcomer is announced. */
    agents(list) {
      const joined = list.filter(({ agent }) => !known.has(agent)).map(({ name }) => name);
      if (joined.length) announce(joined.join(", ") + " joined and can see your page.");
      show(list);
      render();
    },
    /** Who controls the page: a name, or null for nobody. */
    holder(name) {
      const had = !control.hidden;
      control.hidden = !name;
      if (name) controlText.textContent = name + " controls your page. Press Escape to take back control.";
      if (name) announce(name + " controls your page now. Press Escape or Take back control to stop.");
      else if (had) announce("You have control of your page again.");
      render();
    },
    render,
    end() {
      panel.remove();
      announcer.remove();
      if (widgetSheet) widgetSheet.remove();
      const widget = document.getElementById("cobrowse-widget");
      if (widget) widget.removeAttribute("data-cobrowse-collapsed");
    },
  };
}
