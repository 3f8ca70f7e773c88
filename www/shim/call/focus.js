/**
 * Keyboard focus for remote control: what Tab and Shift+Tab move to, and what a click focuses.
 *
 * A synthetic Tab keydown moves nothing in a browser, so the executor moves the focus itself, as the
 * browser would: through the page's focusable elements in tab order (positive tabindex first, then document
 * order), skipping what is disabled, hidden, inert, or one of the shim's own elements (the widget, the
 * prompts: the agent never reaches the visitor's cobrowse controls). Visibility is asked of
 * checkVisibility() where the browser has it.
 */

import { isOurs } from "./find.js";

/** Elements that take the focus by themselves (before tabindex, disabled and visibility are looked at). */
const FOCUSABLE =
  "a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], [contenteditable]:not([contenteditable='false'])";

/** Whether `element` can take the focus from the keyboard now. */
export function isFocusable(element) {
  if (!element.matches(FOCUSABLE) || element.tabIndex < 0 || element.disabled) return false;
  if (element.type === "hidden" || element.closest("[hidden], [inert]") || isOurs(element)) return false;
  return !element.checkVisibility || element.checkVisibility({ visibilityProperty: true });
}

/** The page's focusable elements in tab order. */
export function tabOrder() {
  const all = Array.from(document.querySelectorAll(FOCUSABLE)).filter(isFocusable);
  const rank = (element) => (element.tabIndex > 0 ? element.tabIndex : Infinity);
  return all.sort((a, b) => rank(a) - rank(b)); // stable: document order within a rank
}

/** Moves the focus to the next focusable element (the previous one if `backward`), wrapping around. */
export function moveFocus(backward) {
  const order = tabOrder();
  if (!order.length) return null;
  const at = order.indexOf(document.activeElement);
  let next;
  if (at < 0) next = backward ? order[order.length - 1] : order[0];
  else next = order[(at + (backward ? order.length - 1 : 1)) % order.length];
  next.focus();
  return next;
}

/** What a press on `target` focuses: `target` or its nearest focusable ancestor; null for none (a blur). */
export function focusTargetOf(target) {
  for (let element = target; element; element = element.parentElement) {
    if (element.matches(FOCUSABLE) && !element.disabled) return element;
  }
  return null;
}
