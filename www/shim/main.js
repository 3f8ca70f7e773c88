/**
 * cobrowse.js: the shim a site embeds to let its visitors share their page with a support agent.
 *
 *   <script src="https://RELAY/cobrowse.js" data-site="SITE_ID" async></script>
 *
 * This is the entry module; the build (xtask/src/site.rs) bundles it and the modules it imports into the one
 * classic script the relay serves as /cobrowse.js. The shim stays tiny: the recorder (a wasm module) is
 * imported from the relay only when a session starts, on a click on any [data-cobrowse-start] element, on
 * Shift+Enter (unless data-hotkey="off"), or on Cobrowse.start(). API: Cobrowse.start() -> Promise<key>,
 * Cobrowse.stop(), Cobrowse.on(event, cb) with events started {key}, agentjoined {name, agents}, agentleft
 * {name, agents}, ended {reason}, error {message}.
 *
 * The modules, one concern each: patches.js (prototype patches reporting what no MutationObserver sees),
 * hooks.js (the helpers the recorder calls), pristine.js (a MutationObserver the page cannot have
 * replaced), uploader.js (assets the agent cannot fetch), session.js (start, stop, events) and widget.js
 * (what the visitor sees, and the ways to start).
 */

// The bundle keeps this directive at its top: the classic script runs strict, as these modules do.
"use strict";

import { hooks } from "./hooks.js";
import { installPatches } from "./patches.js";
import { on, setupSession, start, stop } from "./session.js";
import { listenForStart, setupWidget } from "./widget.js";

// Loaded twice (two tags, or a single-page app adding it again): the first copy serves.
const script =
  !window.Cobrowse && (document.currentScript || document.querySelector('script[src$="cobrowse.js"][data-site]'));

if (script) {
  const base = new URL(".", script.src).href.replace(/\/$/, "");
  setupSession(base, script.getAttribute("data-site") || "");
  setupWidget(base, stop);
  installPatches();
  listenForStart(script, start);
  window.Cobrowse = {
    start,
    stop,
    hooks, // the recorder's helpers, handed to it at start (exposed for its tests)
    on,
  };
}
