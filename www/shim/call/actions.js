/**
 * The agent's pointer actions (RemoteInput Click, Scroll, ScrollElement, Select), acted out as the
 * visitor's mouse would.
 *
 * A click goes to what the visitor's page shows at the agent's point (find.js), preferring the element
 * the agent named when it is that element or one of its ancestors: pointerdown, mousedown, the focus,
 * pointerup, mouseup, click. The click is dispatched as a MouseEvent, whose activation behaviour the
 * browser runs as for a real one: a checkbox or radio toggles, a label clicks its control, a link follows,
 * a submit button submits. Never clicked: the shim's own elements (the End button, a prompt: only the
 * visitor answers them) and file choosers (picking a file from the visitor's disk is the visitor's to do).
 */

import { elementAt, findShown, isOurs, withId } from "./find.js";
import { focusTargetOf } from "./focus.js";
import { stepSelect } from "./keys.js";

export const NOTHING_THERE = "nothing is shown there on the visitor's page: look again";
export const OUR_CONTROLS = "that is the visitor's cobrowse controls: only the visitor can use them";
export const FILE_CHOOSER = "choosing a file is for the visitor to do";
export const NOT_THERE = "the visitor's page no longer shows that element there: look again";

/** Whether a click on `target` would open a file chooser (a file input, or a label of one). */
function opensFileChooser(target) {
  const isFile = (element) => element && element.tagName === "INPUT" && element.type === "file";
  const label = target.closest("label");
  return isFile(target) || Boolean(label && isFile(label.control));
}

/** The mouse-event fields of a press at the document point `at`. */
function mouseInit(at, buttons) {
  const [clientX, clientY] = [at.x - window.scrollX, at.y - window.scrollY];
  const init = { bubbles: true, cancelable: true, composed: true, clientX, clientY };
  return { ...init, button: 0, buttons, detail: 1, pointerId: 1, pointerType: "mouse", isPrimary: true };
}

/** Dispatches a pointer event (a MouseEvent where the browser has no PointerEvent); whether not cancelled. */
function pointerEvent(target, type, init) {
  const Pointer = window.PointerEvent || MouseEvent;
  return target.dispatchEvent(new Pointer(type, init));
}

/** Presses and releases the mouse on `target` at `at`, then clicks it. */
function pressAndClick(target, at) {
  const down = mouseInit(at, 1);
  const up = mouseInit(at, 0);
  const pointerDown = pointerEvent(target, "pointerdown", down);
  if (pointerDown && target.dispatchEvent(new MouseEvent("mousedown", down))) {
    const focusable = focusTargetOf(target);
    if (focusable) focusable.focus();
    else if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  }
  pointerEvent(target, "pointerup", up);
  target.dispatchEvent(new MouseEvent("mouseup", up));
  target.dispatchEvent(new MouseEvent("click", up));
}

/** Click {node, at}: returns null, or why it was refused. */
export function click({ node, at }, nodeInfo) {
  const shown = elementAt(at);
  if (!shown) return NOTHING_THERE;
  if (isOurs(shown)) return OUR_CONTROLS;
  const target = withId(shown, node, nodeInfo) || shown;
  if (opensFileChooser(target)) return FILE_CHOOSER;
  pressAndClick(target, at);
  return null;
}

/** Scroll {to}: the window scrolls to the document offset `to`. */
export function scroll({ to }) {
  window.scrollTo(to.x, to.y);
  return null;
}

/** ScrollElement {node, at, to}: the element shown at `at` scrolls to its offset `to`. */
export function scrollElement({ node, at, to }, nodeInfo) {
  const element = findShown(node, at, nodeInfo);
  if (!element) return NOT_THERE;
  element.scrollLeft = to.x;
  element.scrollTop = to.y;
  return null;
}

/** Select {node, at, index}: the option at `index` chosen in the <select> shown at `at`. */
export function select({ node, at, index }, nodeInfo, mayType) {
  const element = findShown(node, at, nodeInfo);
  if (!element || element.tagName !== "SELECT") return NOT_THERE;
  if (!mayType(element)) return "this list is masked: only the visitor can choose in it";
  if (index >= element.options.length || element.options[index].disabled) return "that option cannot be chosen";
  stepSelect(element, index - element.selectedIndex);
  return null;
}
