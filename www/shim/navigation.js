/**
 * Navigation: the page's moments that matter to a session that outlives it.
 *
 * - leaving: `pagehide` (a link, a form, a reload, the tab closing, or the page going into the back/forward
 *   cache): the session is suspended, for the next page to resume.
 * - back: `pageshow` of a page restored from the back/forward cache: the session it had resumes.
 * - looked at: the tab becomes visible, or its window gets the focus: a session waiting in this tab (taken
 *   over by another) takes it back.
 * - routed: a single-page app changes its route (history.pushState, replaceState, popstate, hashchange):
 *   the page stays, so the session goes on; the page's listeners hear `navigating`.
 */

import { afterMethods } from "./patches.js";

/** Listens for the moments above: {leaving, back, looked, routed}, each a function of no argument. */
export function watchNavigation({ leaving, back, looked, routed }) {
  window.addEventListener("pagehide", leaving);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) back();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") looked();
  });
  window.addEventListener("focus", looked);
  afterMethods(window.History && History.prototype, ["pushState", "replaceState"], routed);
  window.addEventListener("popstate", routed);
  window.addEventListener("hashchange", routed);
}
