/**
 * The asset uploader's loader: the uploader (www/shim/assets/, built into /visitor/cobrowse_assets.js) only
 * matters while an agent watches, so it is imported from the relay when the session has one, not bundled
 * into the shim every page downloads (a few hundred bytes here instead of a few KB).
 *
 * session.js calls agentsWatching with the relay's count at start or resume and at each agentjoined, and
 * endAssets when the session ends here or the page leaves. An import that fails is tried again at the next
 * agent event; the session goes on without uploads meanwhile.
 */

import { version } from "./loader.js";

let uploads = null; // Promise of the running uploader's stop(), from the first agent watching to endAssets

/**
 * `agents` watch: imports the uploader from the relay at `base` once (again after a failure) and starts it
 * on `recorder` (the wasm module: node_info, send_asset), watching the page with `Observer` (the pristine
 * MutationObserver).
 */
export function agentsWatching(agents, base, recorder, Observer) {
  if (!agents || uploads || !recorder || !recorder.send_asset) return;
  const mine = (uploads = import(base + "/visitor/cobrowse_assets.js" + version).then((module) =>
    mine === uploads ? module.uploadAssets(recorder, Observer) : () => {},
  ));
  mine.catch(() => mine === uploads && (uploads = null)); // not loaded: the next agent event tries again
}

/** The session is over here, or the page leaves: the uploads stop (also one whose module is still loading). */
export function endAssets() {
  if (uploads) uploads.then((stop) => stop(), () => {});
  uploads = null;
}
