/**
 * The pristine realm: a MutationObserver constructor the page cannot have replaced.
 *
 * A page may replace window.MutationObserver (or hijack node prototypes), which would blind the recorder.
 * A hidden about:blank frame has a realm of its own whose constructors stay usable once the frame is
 * removed; its MutationObserver is handed to the recorder as hooks.MutationObserver when a session starts
 * (visitor-wasm/src/pristine.rs), and the asset uploader uses it too.
 */

import { hooks } from "./hooks.js";

/** Puts the pristine MutationObserver in hooks, once (later sessions reuse it). */
export function pristine() {
  if (hooks.MutationObserver) return;
  try {
    const frame = document.createElement("iframe");
    frame.setAttribute("data-cobrowse-ignore", "");
    frame.hidden = true;
    document.documentElement.appendChild(frame);
    hooks.MutationObserver = frame.contentWindow.MutationObserver;
    frame.remove();
  } catch {
    // No frame could be made (a page forbidding it): the page's own MutationObserver serves, then.
  }
}
