/**
 * The support call's loader: consent, presence, the agents' pointer and remote control live in a module of
 * their own (www/shim/call/, built into /visitor/cobrowse_call.js), imported from the relay at the first
 * call message of a page, so the shim every page downloads stays small.
 *
 * The recorder hands the call's messages over undecoded (emit("call", bytes)); until the module is there,
 * they wait in order on its promise. The module sends its answers through the recorder (send_call).
 */

/* global VISITOR_VERSION */
const version = typeof VISITOR_VERSION === "string" ? VISITOR_VERSION : "";

let call = null; // Promise of the running call (the module's handle), from the first call message to the end

/** A call message's payload from the recorder (module: the recorder, base: the relay, emit: Cobrowse.on's). */
export function callMessage(bytes, module, base, emit) {
  if (!call) {
    const url = base + "/visitor/cobrowse_call.js" + (version && "?v=" + version);
    const loading = import(url).then((loaded) => loaded.startCall({ base, version, recorder: module, emit }));
    loading.catch(() => call === loading && (call = null)); // the next message tries again
    call = loading;
  }
  call.then((running) => running.receive(bytes), () => {});
}

/** The session is over: the call's prompts, marks and remote control end with it. */
export function endCall() {
  if (call) call.then((running) => running.end(), () => {});
  call = null;
}
