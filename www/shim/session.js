/**
 * The session lifecycle: Cobrowse.start(), Cobrowse.stop(), Cobrowse.on() and the events they report.
 *
 * The recorder (the wasm module, with its JS glue) is imported from the relay only when a session first
 * starts, so a page that never shares pays for the shim alone. start() resolves to the session key, which
 * the widget shows; the recorder reports the session's events (agentjoined {name, agents}, agentleft
 * {name, agents}, ended {reason}, error {message}) to the widget and to the page's listeners, with started
 * {key} from here. While a session runs, the patches tell the recorder of changes and the uploader sends
 * it the page's assets.
 */

import { hooks } from "./hooks.js";
import { recorder, setRecorder } from "./patches.js";
import { pristine } from "./pristine.js";
import { uploadAssets } from "./uploader.js";
import { close, show } from "./widget.js";

let base = ""; // the relay's URL, without a trailing slash
let site = ""; // the script tag's data-site
const listeners = {}; // event name → the page's callbacks
let visitor = null; // Promise of the loaded wasm module
let session = null; // Promise of the key, while a session starts or runs
let stopAssets = null; // stops uploadAssets, while a session runs

/** The relay the shim was loaded from and the site it was loaded for. */
export function setupSession(relay, siteId) {
  base = relay;
  site = siteId;
}

function endAssets() {
  if (stopAssets) stopAssets();
  stopAssets = null;
}

/** Tells the page's listeners; their errors are rethrown apart, never into the recorder or the session. */
function emit(name, detail) {
  (listeners[name] || []).slice().forEach((callback) => {
    try {
      callback(detail);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  });
}

/** Imports and instantiates the recorder, once (again after a failure). */
function load() {
  visitor =
    visitor ||
    import(base + "/visitor/cobrowse_visitor.js")
      .then((module) =>
        module.default({ module_or_path: base + "/visitor/cobrowse_visitor_bg.wasm" }).then(() => module),
      )
      .catch((error) => {
        visitor = null;
        throw new Error("The cobrowse service at " + base + " is unreachable (" + error.message + ").");
      });
  return visitor;
}

/** Cobrowse.start(): starts a session, or returns the one starting or running; Promise of its key. */
export function start() {
  if (session) return session;
  show("connecting");
  const url = base.replace(/^http/, "ws") + "/ws/visitor?site=" + encodeURIComponent(site);
  const started = (session = load()
    .then((module) => {
      if (!site) throw new Error("The cobrowse script tag has no data-site attribute.");
      if (session !== started) throw new Error("The session was stopped before it started.");
      setRecorder(module);
      pristine();
      return module.start(url, onVisitorEvent, hooks);
    })
    .then(
      (key) => {
        if (recorder && recorder.send_asset) {
          stopAssets = uploadAssets(recorder, hooks.MutationObserver || MutationObserver);
        }
        show("live", key);
        emit("started", { key });
        return key;
      },
      (error) => {
        setRecorder(null);
        if (session !== started) {
          close(); // the visitor pressed Cancel: nothing to report
        } else {
          session = null;
          show("failed", error.message);
          emit("error", { message: error.message });
        }
        throw error;
      },
    ));
  return started;
}

/** Cobrowse.stop(): ends the session, or cancels the one starting. */
export function stop() {
  if (!session) return;
  session = null;
  setRecorder(null);
  endAssets();
  if (visitor) {
    visitor.then(
      (module) => module.stop(),
      () => {
        // The recorder never loaded: there is no session in it to stop.
      },
    );
  }
}

/** The recorder's events: shown in the widget, then told to the page's listeners. */
function onVisitorEvent(name, detail) {
  if (name === "ended") {
    session = null;
    setRecorder(null);
    endAssets();
  }
  show(name, name === "ended" ? detail.reason : name === "error" ? detail.message : detail);
  emit(name, detail);
}

/** Cobrowse.on(event, callback): listens to a session event; returns a function that stops listening. */
export function on(name, callback) {
  (listeners[name] = listeners[name] || []).push(callback);
  return () => {
    listeners[name] = (listeners[name] || []).filter((other) => other !== callback);
  };
}
