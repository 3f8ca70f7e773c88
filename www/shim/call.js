/**
 * The support call's loader: consent, presence, the agents' pointer and remote control live in a module of
 * their own (www/shim/call/, built into /visitor/cobrowse_call.js), imported from the relay at the first
 * call message of a page, so the shim every page downloads stays small (a few hundred bytes here).
 *
 * The recorder hands the frames it does not decode over as they came (emit("call", ArrayBuffer)): the
 * call's messages. The module reads them (it ignores any other); until it is there, they wait in order on
 * its promise. It sends its answers through the recorder (send_call), and finds its stylesheet beside
 * itself (the same ?v=HASH).
 */

import { version } from "./loader.js";

let call = null; // Promise of the running call (the module's handle), from the first call message to the end

/** A frame for the call module. `recorder`: the wasm module; `base`: the relay; `emit`: Cobrowse.on's;
 * `Observer`: the pristine MutationObserver, for the asset uploads the call module starts. */
export function callMessage(frame, recorder, base, emit, Observer) {
  call = call || import(base + "/visitor/cobrowse_call.js" + version).then((m) => m.startCall(recorder, emit, Observer));
  call.then(
    (running) => running.receive(frame),
    () => (call = null), // not loaded: the next message tries again
  );
}

/** The session is over here: the call's prompts, marks and remote control end with it. */
export function endCall() {
  if (call) call.then((running) => running.end(), () => {});
  call = null;
}
