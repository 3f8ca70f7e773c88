/**
 * Loading the recorder: the wasm module and its JS glue, imported from the relay once per page.
 *
 * The build (xtask/src/site.rs) defines VISITOR_VERSION, a hash of the two files, and their URLs carry it
 * (?v=HASH): the relay lets browsers keep such URLs for good, so the next page of a session takes them from
 * the cache, and a new build, with new URLs, is fetched afresh. The wasm is fetched beside its glue, not
 * after it.
 */

/* global VISITOR_VERSION */
/** "?v=HASH" (the build's VISITOR_VERSION), the query of every URL of the visitor package; "" unbuilt. */
export const version = typeof VISITOR_VERSION === "string" ? "?v=" + VISITOR_VERSION : "";

let loading = null; // Promise of the module

/** The recorder, once loaded (for the calls that cannot wait: pagehide). */
export let loaded = null;

/** Imports and instantiates the recorder from the relay at `base`, once (again after a failure). */
export function load(base) {
  const url = base + "/visitor/cobrowse_visitor";
  loading =
    loading ||
    Promise.all([import(url + ".js" + version), fetch(url + "_bg.wasm" + version)])
      .then(([module, wasm]) => module.default({ module_or_path: wasm }).then(() => (loaded = module)))
      .catch((error) => {
        loading = null;
        const failure = new Error("The cobrowse service at " + base + " is unreachable (" + error.message + ").");
        failure.code = 1006; // as a dropped connection: a kept session is tried again
        throw failure;
      });
  return loading;
}
