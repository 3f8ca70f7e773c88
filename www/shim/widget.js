/**
 * The widget: what the visitor sees of a session, and the ways the visitor starts one.
 *
 * The widget (#cobrowse-widget) shows each step: connecting (Cancel); live with the session key
 * (#cobrowse-key) and the agents watching, reconnecting, or waiting while another tab has the session (End);
 * ended or failed (Close). It is built with DOM APIs and
 * styled only by cobrowse.css: no inline styles, so a page whose CSP forbids them shows it unbroken; it
 * stays hidden until that stylesheet has loaded (or failed to). It carries data-cobrowse-ignore: it is
 * never mirrored to the agent.
 *
 * What a large page pays for it (issue 13, target 2) decides two things:
 * - Its stylesheet is linked in the widget's own (open) shadow root, where its elements are shown through
 *   a <slot>: a stylesheet added to the document costs the page's next frame a look through all of the
 *   page's elements (45 ms on a 100,000-element page), one in a shadow root a look through that root.
 * - It is shown as a manual popover, in the top layer, where the browser has popovers: there the browser
 *   lays it out on its own. A fixed element in the page's flow costs the next frame a layout of the page's
 *   tree: 92 ms on a 100,000-element page, against no frame over 50 ms as a popover.
 *
 * A session starts on a click on any [data-cobrowse-start] element, or on Shift+Enter outside text areas
 * and editable content, unless the script tag has data-hotkey="off".
 */

let widget = null; // the shown widget's elements and state, else null
let base = ""; // the relay's URL, which serves cobrowse.css
let stopSession = null; // ends the session (the End and Cancel buttons)

/** The relay the shim was loaded from (it serves the widget's stylesheet), and what End and Cancel call. */
export function setupWidget(relay, stop) {
  base = relay;
  stopSession = stop;
}

function child(tag, className, parent) {
  const node = document.createElement(tag);
  node.className = className;
  parent.appendChild(node);
  return node;
}

function build() {
  const root = document.createElement("div");
  root.id = "cobrowse-widget";
  root.className = "cobrowse-widget";
  root.setAttribute("data-cobrowse-ignore", "");
  root.setAttribute("role", "status");
  root.popover = "manual";
  root.hidden = true;
  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = base + "/cobrowse.css";
  stylesheet.onload = stylesheet.onerror = () => reveal(root);
  root.attachShadow({ mode: "open" }).append(stylesheet, document.createElement("slot"));
  widget = {
    root,
    title: child("p", "cobrowse-title", root),
    key: child("p", "cobrowse-key", root),
    agents: child("p", "cobrowse-agents", root),
    message: child("p", "cobrowse-message", root),
    button: child("button", "cobrowse-button", root),
  };
  widget.key.id = "cobrowse-key";
  widget.agents.id = "cobrowse-agents";
  widget.button.type = "button";
  widget.button.onclick = () => {
    if (widget.state === "connecting" || KEYED.includes(widget.state)) stopSession();
    else close();
  };
  (document.body || document.documentElement).appendChild(root);
}

/** Shows a built widget, unless it was closed before its stylesheet came: in the top layer where the
 * browser has popovers, else in place. */
function reveal(root) {
  if (!root.isConnected) return;
  root.hidden = false;
  if (root.showPopover) root.showPopover();
}

/** Removes the widget. */
export function close() {
  if (widget) widget.root.remove();
  widget = null;
}

function agentsText(count) {
  if (!count) return "No agent is watching yet.";
  return count === 1 ? "1 agent is watching." : count + " agents are watching.";
}

/** The steps that show the session key (and an End button). */
const KEYED = ["live", "reconnecting", "waiting"];

const TITLES = {
  connecting: "Starting a cobrowse session\u2026",
  ended: "Session ended",
  failed: "Cobrowse could not start",
};

/** What the keyed steps say under the key. */
const MESSAGES = {
  live: "Read this key to the agent.",
  reconnecting: "Reconnecting\u2026",
  waiting: "Your session continues in another tab.",
};

/**
 * Shows a step of the session (building the widget if it is not shown): connecting, live ({key, agents};
 * agents may be unknown yet), reconnecting, waiting (the session continues in another tab),
 * agentjoined/agentleft ({name, agents}), ended (reason), failed or error ({message}).
 */
export function show(step, detail) {
  if (!widget) build();
  const w = widget;
  if (step === "agentjoined" || step === "agentleft") {
    w.agents.textContent = agentsText(detail.agents);
    w.message.textContent = detail.name + (step === "agentjoined" ? " joined." : " left.");
    return;
  }
  if (step === "error") step = "failed";
  const keyed = KEYED.includes(step);
  w.state = step;
  w.root.className = "cobrowse-widget cobrowse-" + step;
  w.title.textContent = keyed ? "Your session key" : TITLES[step];
  w.key.hidden = w.agents.hidden = !keyed;
  w.message.hidden = step === "connecting";
  w.button.textContent = step === "connecting" ? "Cancel" : keyed ? "End" : "Close";
  if (step === "live") {
    w.key.textContent = detail.key;
    if (detail.agents !== undefined) w.agents.textContent = agentsText(detail.agents);
  }
  w.message.textContent = MESSAGES[step] || detail || "";
}

/** Calls start() on a click on a [data-cobrowse-start] element, and on the hotkey unless `script` turns it off. */
export function listenForStart(script, start) {
  // start() reports its failure in the widget and to the page's error listeners: nothing more to do here.
  const ignore = () => {};
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element && event.target.closest("[data-cobrowse-start]");
    if (target) {
      event.preventDefault();
      start().catch(ignore);
    }
  });
  if (script.getAttribute("data-hotkey") !== "off") {
    document.addEventListener("keydown", (event) => {
      const target = event.target;
      const typing = target && (target.isContentEditable || target.tagName === "TEXTAREA");
      if (event.key === "Enter" && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && !typing) {
        event.preventDefault();
        start().catch(ignore);
      }
    });
  }
}
