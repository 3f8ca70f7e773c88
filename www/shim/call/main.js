/**
 * The support call, the visitor's side (the entry of /visitor/cobrowse_call.js): consent, presence, the
 * agents' pointer and marks, and remote control with the visitor's consent.
 *
 * The shim imports this module at the first call message of a page (www/shim/call.js) and calls startCall
 * once; the recorder hands each call message over as its frame, decoded here (wire.js) and given to the part
 * that handles it: prompts.js (asking to see or to control the page), presence.js (who watches, who
 * controls, in the widget), layer.js and marks.js (pointers, highlights, drawings over the page),
 * control.js (remote control, acted out by actions.js and keys.js). Answers go back through the recorder
 * (send_call). The relay tells every new page the call's state again, so nothing is kept across pages but
 * the widget's place; while no agent watches, waits or controls it tells nothing, and this module stays
 * unloaded.
 *
 * While an agent watches, the asset uploader (www/shim/assets/uploader.js, bundled into this module) gets the
 * relay what the agents' browsers cannot fetch: it starts at the first Agents message that names an agent,
 * offers files through send_call (AssetOffer), gets the relay's AssetWanted here, and stops with the call.
 *
 * Page listeners hear of it through Cobrowse.on: `consent` {agent, name, allow} when the visitor answers
 * (and {agent, name, allow: false} when the visitor stops sharing with an agent who watched: Dismiss),
 * `control` {agent, name} when control changes hands (agent 0, name null: nobody).
 */

import { uploadAssets } from "../assets/uploader.js";
import { createControl } from "./control.js";
import { createLayer } from "./layer.js";
import { createMarks } from "./marks.js";
import { createPresence } from "./presence.js";
import { createPrompts } from "./prompts.js";
import { decodeFrame, encode } from "./wire.js";

/**
 * The call's stylesheet, beside this module on the relay (`moduleUrl`) with the same version query
 * (?v=HASH: cached for good); `loaded` resolves once it has loaded (or failed, or after 3 s).
 */
function linkStylesheet(moduleUrl) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("cobrowse-call.css" + new URL(moduleUrl).search, moduleUrl).href;
  link.setAttribute("data-cobrowse-ignore", "");
  const loaded = new Promise((resolve) => {
    link.onload = link.onerror = resolve;
    setTimeout(resolve, 3000);
  });
  document.head.appendChild(link);
  return { link, loaded };
}

/** An error of the call's is reported (the console) without stopping the messages after it. */
function rethrowApart(error) {
  setTimeout(() => {
    throw error;
  });
}

/** The handlers of each message the visitor receives, given the call's parts. */
function handlers({ names, prompts, presence, layer, marks, control, assets }) {
  const remember = (agent, name) => names.set(agent, name);
  return {
    ConsentAsked: ({ agent, name }) => (remember(agent, name), prompts.ask({ kind: "consent", agent, name })),
    ControlRequest: ({ agent, name }) => (remember(agent, name), prompts.ask({ kind: "control", agent, name })),
    Withdrawn: ({ agent }) => prompts.withdraw(agent),
    Agents: ({ agents }) => {
      agents.forEach(({ agent, name }) => remember(agent, name));
      const watching = new Set(agents.map(({ agent }) => agent));
      names.forEach((_, agent) => watching.has(agent) || layer.clear(agent));
      presence.agents(agents);
      if (agents.length) assets.watched();
    },
    AssetWanted: ({ url }) => assets.wanted(url),
    Pointer: ({ agent, at }) => layer.pointer(agent, at, names.get(agent)),
    Highlight: ({ agent, node, at }) => marks.highlight(agent, node, at),
    Draw: ({ agent, start, points }) => marks.draw(agent, start, points),
    ControlHolder: ({ agent }) => control.setHolder(agent),
    Input: ({ agent, input }) => control.input(agent, input),
  };
}

/**
 * The asset uploads of the call: started once an agent watches (`watched`), on `recorder` with `Observer`
 * (the pristine MutationObserver); `wanted(url)` uploads what the relay could not fetch; `end()` stops.
 */
function assetUploads(recorder, Observer, send) {
  let uploads = null;
  return {
    watched() {
      if (!uploads && recorder.send_asset) {
        uploads = uploadAssets(recorder, Observer, (url, sha256) => send({ type: "AssetOffer", url, sha256 }));
      }
    },
    wanted: (url) => uploads && uploads.wanted(url),
    end: () => uploads && uploads.stop(),
  };
}

/**
 * Starts the call's side of the page. `recorder` is the visitor's wasm module (send_call, node_info,
 * send_asset), `emit(name, detail)` tells the page's Cobrowse.on listeners, `Observer` is the pristine
 * MutationObserver the asset uploader watches the page with, `moduleUrl` is where this module was loaded
 * from (its stylesheet is beside it). Returns {receive(frame), end()}: `frame` an ArrayBuffer the recorder
 * did not decode.
 */
export function startCall(recorder, emit = () => {}, Observer = MutationObserver, moduleUrl = import.meta.url) {
  const stylesheet = linkStylesheet(moduleUrl);
  const send = (message) => recorder.send_call(encode(message));
  const nodeInfo = (element) => recorder.node_info(element) >> 1; // -1 >> 1 is -1: no id
  const mayType = (field) => recorder.node_info(field) % 2 === 1; // mirrored plainly: neither masked nor blocked
  const names = new Map(); // agent → name, as the relay last named it
  const layer = createLayer();
  const marks = createMarks(layer, nodeInfo);
  const prompts = createPrompts((ask, allow) => {
    send({ type: ask.kind === "consent" ? "ConsentAnswer" : "ControlAnswer", agent: ask.agent, allow });
    if (ask.kind === "consent") emit("consent", { agent: ask.agent, name: ask.name, allow });
  });
  const control = createControl({
    send,
    nodeInfo,
    mayType,
    pointer: (agent, at) => layer.pointer(agent, at, names.get(agent)),
    changed: (agent) => {
      presence.holder(agent ? names.get(agent) || "An agent" : null);
      emit("control", { agent, name: agent ? names.get(agent) || null : null });
    },
  });
  const presence = createPresence(
    () => control.release(),
    (agent, name) => (send({ type: "Dismiss", agent }), emit("consent", { agent, name, allow: false })),
    stylesheet.link,
  );
  const assets = assetUploads(recorder, Observer, send);
  const handle = handlers({ names, prompts, presence, layer, marks, control, assets });
  let queue = stylesheet.loaded; // messages wait for the stylesheet (nothing shows unstyled), in order
  return {
    receive(frame) {
      const message = decodeFrame(frame);
      if (!message || !handle[message.type]) return; // malformed, or not for visitors (ControlRefused)
      queue = queue.then(() => handle[message.type](message)).catch(rethrowApart);
    },
    end() {
      queue = new Promise(() => {}); // what still waits is dropped
      [prompts, presence, layer, control, assets].forEach((part) => part.end());
      stylesheet.link.remove();
    },
  };
}
