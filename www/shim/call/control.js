/**
 * Remote control: who holds it, when the agent's inputs are acted out, and how the visitor takes it back.
 *
 * The relay says who controls the page (ControlHolder, 0: nobody) on every page of the session, so only
 * this page's state is kept here. An Input is acted out (actions.js, keys.js) only if its agent holds
 * control, and not while the visitor uses the page: for PAUSE_MS after the visitor's own (trusted) press,
 * key or wheel, the agent's inputs are refused, so the two never fight over the pointer or the caret. A
 * trusted Escape, or the Take back control button (presence.js), gives control back (ControlRelease). What
 * cannot be done is told to the agent (ControlRefused, with a reason a person reads).
 *
 * The clock and the visitor's events are injectable (`now`, `visitorActed`), so the pause is testable
 * where synthetic events are never trusted.
 */

import { click, scroll, scrollElement, select } from "./actions.js";
import { pressKey, typeText } from "./keys.js";

/** How long after the visitor's own input the agent's inputs wait (are refused), in ms. */
export const PAUSE_MS = 1000;
export const PAUSED = "the visitor is using the page: try again in a moment";

/** Whether `target` is part of cobrowse's own UI (the widget, its prompts, the agents' layer). */
function onCobrowseUi(target) {
  return Boolean(target && target.closest && target.closest("[data-cobrowse-ignore]"));
}

/** The visitor's inputs that pause remote control. */
const VISITOR_INPUTS = ["pointerdown", "keydown", "wheel"];

/**
 * Remote control: `send(message)` sends a call message, `nodeInfo(element)` is the recorder's node id,
 * `mayType(field)` whether the agent may type in a field (not masked), `pointer(agent, at)` shows the
 * agent's pointer, `changed(agent)` is told the holder (0: nobody) whenever it changes here.
 */
export function createControl({ send, nodeInfo, mayType, pointer, changed, now = () => Date.now() }) {
  let holder = 0;
  let pausedUntil = 0;

  /** The inputs, by type: each returns null, or why it was refused. */
  const act = {
    Click: (remote) => click(remote, nodeInfo),
    Key: (remote) => pressKey(remote.key, remote.modifiers, mayType),
    Text: (remote) => typeText(remote.text, mayType),
    Scroll: scroll,
    ScrollElement: (remote) => scrollElement(remote, nodeInfo),
    Select: (remote) => select(remote, nodeInfo, mayType),
  };

  function setHolder(agent) {
    if (agent === holder) return;
    holder = agent;
    changed(agent);
  }

  /** The visitor takes control back. */
  function release() {
    if (!holder) return;
    send({ type: "ControlRelease" });
    setHolder(0); // at once: no input of the agent runs while the relay hears of it
  }

  /**
   * One of the visitor's own events (a listener's, or a test's): a trusted one pauses control, unless it
   * is on cobrowse's own widget or prompts (allowing control is not using the page).
   */
  function visitorActed(event) {
    if (!event.isTrusted) return;
    if (event.type === "keydown" && event.key === "Escape" && holder) release();
    if (!onCobrowseUi(event.target)) pausedUntil = now() + PAUSE_MS;
  }

  /** The agent's input: acted out if the agent holds control and the visitor is not busy. */
  function input(agent, remote) {
    if (agent !== holder || !holder) return;
    const refuse = (reason) => send({ type: "ControlRefused", agent, reason });
    if (remote.at) pointer(agent, remote.at);
    if (now() < pausedUntil) return refuse(PAUSED);
    const action = act[remote.type];
    let reason = null;
    try {
      reason = action ? action(remote) : "this input is not known to the visitor's page";
    } catch (error) {
      reason = "the visitor's page could not do it (" + error.message + ")";
    }
    if (reason) refuse(reason);
  }

  VISITOR_INPUTS.forEach((type) => window.addEventListener(type, visitorActed, { capture: true, passive: true }));
  return {
    setHolder,
    release,
    visitorActed,
    input,
    holder: () => holder,
    end() {
      VISITOR_INPUTS.forEach((type) => window.removeEventListener(type, visitorActed, { capture: true }));
      holder = 0;
    },
  };
}
