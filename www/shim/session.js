/**
 * The session lifecycle: Cobrowse.start(), Cobrowse.stop(), and a session that outlives its page.
 *
 * The recorder (loader.js) is imported only when a session starts, or at once on a page whose tab keeps a
 * session (continuity.js), which resumes it showing the kept key meanwhile. States: starting (a new one),
 * live, resuming, reconnecting (with backoff, reconnect.js), waiting (another tab has it; taken back when
 * this tab is looked at), suspended (the page is going away, or into the back/forward cache). What happens
 * is shown in the widget and told to the page's listeners (events.js).
 */

import { callMessage, endCall } from "./call.js";
import * as continuity from "./continuity.js";
import { emit } from "./events.js";
import { hooks } from "./hooks.js";
import { load, loaded } from "./loader.js";
import { watchNavigation } from "./navigation.js";
import { setRecorder } from "./patches.js";
import { pristine } from "./pristine.js";
import { isTransient, retryLater, stopRetrying } from "./reconnect.js";
import { close, show } from "./widget.js";

let base = ""; // the relay's URL, without a trailing slash
let site = ""; // the script tag's data-site
let tab = ""; // this tab's id
let session = null; // Promise of the key, from start() or a kept session until the session is over
let kept = null; // {key, secret} of the session this tab takes part in
let state = "idle"; // idle, starting, live, resuming, reconnecting, waiting, suspended
let attempt = 0; // counts connections: what an older one reports is ignored

/** The relay the shim was loaded from and the site it was loaded for; resumes the session the tab keeps. */
export function setupSession(relay, siteId) {
  base = relay;
  site = siteId;
  tab = continuity.tabId();
  watchNavigation({
    leaving: suspend,
    back: () => (continuity.openChannel(), resume()), // back from the back/forward cache: the session continues
    looked: () => state === "waiting" && resume(), // a session waiting here is taken back
    routed: () => state === "live" && emit("navigating", { key: kept.key }), // a single-page app's route: it goes on
  });
  // A frame shares its tab's sessionStorage, but the session is the page's: the top page records the frame
  // inside it, so a frame never continues the tab's session by itself.
  if (window.top !== window) return;
  const held = continuity.keptSession();
  if (held) adopt(held, true);
  continuity.listenToTabs({ held: () => kept, handed: (handed) => state === "idle" && adopt(handed), forgotten });
}

/** Connects the recorder: a new session, or the kept one (`resuming`). What an older connection says is ignored.
 * Resuming, the socket is opened and the hidden frame made while the recorder loads, not after it. */
function connect(resuming) {
  const mine = ++attempt;
  const current = () => mine === attempt;
  const url =
    base.replace(/^http/, "ws") +
    "/ws/visitor?site=" +
    encodeURIComponent(site) +
    "&tab=" +
    tab +
    (resuming ? "&resume=1" : "");
  const early = resuming && site ? openSocket(url) : undefined;
  pristine();
  return load(base)
    .then((module) => {
      if (!site) throw new Error("The cobrowse script tag has no data-site attribute.");
      if (!current()) throw new Error("The session was stopped before it started.");
      setRecorder(module);
      module.suspend(); // a connection the recorder may still hold gives way to this one
      const emitted = (name, detail) => current() && onVisitorEvent(name, detail);
      return module.start(url, emitted, hooks, resuming, early);
    })
    .then(
      (started) => (current() && onStarted(started, resuming), started.key),
      (error) => {
        if (early) early.close(); // not taken over (or already closed by the recorder)
        if (current()) onFailed(error, resuming);
        throw error;
      },
    );
}

/** A socket to `url`, opened now for the recorder to take over once loaded; undefined if it cannot be. The
 * relay says nothing on a resuming socket before the recorder's first message, so nothing is missed. */
function openSocket(url) {
  try {
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    return socket;
  } catch {
    return undefined;
  }
}

/** The relay started (or resumed) the session. */
function onStarted({ key, secret, agents }, resumed) {
  state = "live";
  stopRetrying();
  if (secret) continuity.keepSession((kept = { key, secret }));
  show("live", { key, agents });
  emit(resumed ? "resumed" : "started", { key });
}

/** No session started: a kept one may be retried; a new one failed. `error.code` is the close code. */
function onFailed(error, resuming) {
  if (resuming) return closed({ reason: error.message, code: error.code });
  setRecorder(null);
  session = null;
  state = "idle";
  show("failed", error.message);
  emit("error", { message: error.message });
}

/** The recorder's events: shown in the widget, then told to the page's listeners; `ended` as a close; the
 * support call's messages to its module (call.js), which also starts the asset uploads once an agent watches. */
function onVisitorEvent(name, detail) {
  if (name === "ended") return closed(detail);
  if (name === "call") return callMessage(detail, loaded, base, emit, hooks.MutationObserver || MutationObserver);
  show(name, detail);
  emit(name, detail);
}

/** The session's connection closed: another tab has it (4012), it is retried, or it is over. */
function closed({ reason, code }) {
  setRecorder(null);
  endCall(); // the relay tells the next connection the call's state again
  if (kept && code === 4012) {
    state = "waiting";
    show("waiting");
  } else if (kept && isTransient(code)) {
    if (state !== "reconnecting") emit("reconnecting", { key: kept.key });
    state = "reconnecting";
    show("reconnecting");
    retryLater(resume);
  } else {
    if (kept) continuity.tell({ type: "forget", key: kept.key });
    over(reason, code);
  }
}

/** The session is over for this tab: forgotten, and reported. */
function over(reason, code) {
  attempt++;
  stopRetrying();
  endCall();
  setRecorder(null);
  continuity.forgetSession();
  kept = session = null;
  state = "idle";
  show("ended", reason);
  emit("ended", { reason, code });
}

/** Keeps `held` as this tab's session and shows its key; resumes now, or when the tab is looked at. */
function adopt(held, now) {
  continuity.keepSession((kept = held));
  session = Promise.resolve(held.key);
  state = "waiting";
  show("live", { key: held.key });
  if (now || document.visibilityState === "visible") resume();
  else show("waiting");
}

/** Continues the kept session: a new page of the tab, back from the cache, a retry, a take-over. */
function resume() {
  if (state === "waiting" || state === "suspended" || state === "reconnecting") {
    if (state !== "reconnecting") state = "resuming";
    connect(kept).catch(() => {}); // onFailed has decided: a retry, a wait, or the end
  }
}

/** The page is going away (or into the back/forward cache): the session is suspended, kept for the next. */
function suspend() {
  if (!kept || state === "idle") return;
  attempt++;
  stopRetrying();
  endCall();
  setRecorder(null);
  if (loaded) loaded.suspend();
  continuity.closeChannel(); // an open channel may keep the page out of the back/forward cache
  state = "suspended";
  emit("navigating", { key: kept.key });
}

/** Another tab ended the session. */
function forgotten() {
  if (state === "live") loaded.stop();
  over("The session ended in another tab.", 1000);
}

/** Cobrowse.start(): starts a session, or returns the one starting, running or kept; Promise of its key. */
export function start() {
  if (session) return session;
  state = "starting";
  show("connecting");
  return (session = connect(null));
}

/** Cobrowse.stop(): ends the session (in every tab), or cancels the one starting. */
export function stop() {
  if (!session) return;
  const running = state === "live" || state === "starting";
  if (kept) continuity.tell({ type: "forget", key: kept.key });
  if (state === "starting") {
    attempt++;
    session = null;
    state = "idle";
    close(); // the visitor pressed Cancel: nothing to report
  } else {
    over("You ended the session.", 1000);
  }
  if (running && loaded) loaded.stop();
}
