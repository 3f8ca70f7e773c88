/**
 * cobrowse.js: the shim a site embeds to let its visitors share their page with a support agent.
 *
 *   <script src="https://RELAY/cobrowse.js" data-site="SITE_ID" async></script>
 *
 * This is the entry module; the build (xtask/src/site.rs) bundles it and the modules it imports into the one
 * classic script the relay serves as /cobrowse.js. The shim stays tiny: the recorder (a wasm module) is
 * imported from the relay only when a session starts, on a click on any [data-cobrowse-start] element, on
 * Shift+Enter (unless data-hotkey="off"), or on Cobrowse.start(), and at once on a page whose tab takes part
 * in a session (the session continues across page loads, reloads, back/forward, routes and tabs).
 * API: Cobrowse.start() -> Promise<key> (the running session's key if there is one), Cobrowse.stop() (ends
 * it in every tab), Cobrowse.on(event, cb) -> unsubscribe, with events started {key}, resumed {key},
 * navigating {key}, reconnecting {key}, agentjoined {name, agents}, agentleft {name, agents}, ended
 * {reason, code}, error {message}.
 *
 * The modules, one concern each: patches.js (prototype patches reporting what no MutationObserver sees),
 * hooks.js (the helpers the recorder calls), scrolls.js (the elements scrolled, whose offsets the recorder
 * reads), pristine.js (a MutationObserver the page cannot have replaced), loader.js (importing the
 * recorder), session.js (start, stop, the session's states), continuity.js (the session kept per tab, the
 * other tabs), navigation.js (page hide/show, visibility, routes), reconnect.js (backoff), events.js
 * (Cobrowse.on), widget.js (what the visitor sees, and the ways to start), and two loaders of modules built
 * apart, imported from the relay only once an agent watches: assets.js (the asset uploader,
 * www/shim/assets/: what the agent's browser cannot fetch) and call.js (the support call, www/shim/call/).
 */

// The bundle keeps this directive at its top: the classic script runs strict, as these modules do.
"use strict";

import { hooks } from "./hooks.js";
import { installPatches } from "./patches.js";
import { watchScrolls } from "./scrolls.js";
import { on } from "./events.js";
import { setupSession, start, stop } from "./session.js";
import { listenForStart, setupWidget } from "./widget.js";

// Loaded twice (two tags, or a single-page app adding it again): the first copy serves.
const script =
  !window.Cobrowse && (document.currentScript || document.querySelector('script[src$="cobrowse.js"][data-site]'));

if (script) {
  const base = new URL(".", script.src).href.replace(/\/$/, "");
  setupWidget(base, stop);
  installPatches();
  const scrolls = watchScrolls();
  hooks.watchedScrolls = scrolls.scrolled; // the set, complete or not: the recorder completes it
  hooks.scrolled = scrolls.complete ? scrolls.scrolled : undefined;
  setupSession(base, script.getAttribute("data-site") || ""); // resumes at once a session the tab keeps
  listenForStart(script, start);
  window.Cobrowse = {
    start,
    stop,
    hooks, // the recorder's helpers, handed to it at start (exposed for its tests)
    on,
  };
}
