/**
 * Continuity: what lets a session outlive its page, and follow the visitor from tab to tab.
 *
 * Each tab keeps the session it takes part in, {key, secret}, in sessionStorage ("cobrowse.session"): the
 * next page of the tab (a link, a reload, back/forward) finds it there and resumes. The secret is what the
 * relay asks for to resume (the key alone never can); it is kept nowhere else, never put in a URL, never
 * logged. Each tab also has a random id ("cobrowse.tab"), which the relay uses to tell tabs apart.
 *
 * Tabs of the same site talk over BroadcastChannel("cobrowse"): a new tab asks ({type: "ask"}), a tab that
 * holds a session answers ({type: "session", key, secret}), and a session that ends is forgotten by all
 * ({type: "forget", key}). A browser without sessionStorage or BroadcastChannel (or one that refuses them,
 * as a sandboxed frame does) only loses continuity: sessions still start and run.
 */

const SESSION_ITEM = "cobrowse.session";
const TAB_ITEM = "cobrowse.tab";

let channel = null; // the open BroadcastChannel, if the browser has one
let tabs = null; // what listenToTabs was given

/** `action(sessionStorage)`, or null when the page may not use it (or what is stored is not ours). */
function stored(action) {
  try {
    return action(window.sessionStorage);
  } catch {
    return null;
  }
}

/** The session this tab keeps, {key, secret}, or null. */
export function keptSession() {
  const kept = stored((storage) => JSON.parse(storage.getItem(SESSION_ITEM)));
  return kept && kept.key && kept.secret ? kept : null;
}

/** Keeps the session, {key, secret}, for this tab's next pages (if the page may: else the next page starts afresh). */
export function keepSession(session) {
  stored((storage) => storage.setItem(SESSION_ITEM, JSON.stringify(session)));
}

/** Forgets the session this tab keeps. */
export function forgetSession() {
  stored((storage) => storage.removeItem(SESSION_ITEM));
}

/** This tab's id: 128 random bits in hex, made once per tab (a new one per page when there is no storage). */
export function tabId() {
  let id = stored((storage) => storage.getItem(TAB_ITEM));
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => (byte + 256).toString(16).slice(1)).join("");
    stored((storage) => storage.setItem(TAB_ITEM, id));
  }
  return id;
}

/**
 * Listens to the site's other tabs: `held()` is this tab's session or null, `handed(session)` takes one a
 * tab answered with, `forgotten()` drops this tab's (another tab ended it). Asks the other tabs for their
 * session if this tab has none.
 */
export function listenToTabs(callbacks) {
  tabs = callbacks;
  openChannel();
  if (!tabs.held()) tell({ type: "ask" });
}

/** Opens the channel to the site's other tabs (again after closeChannel). */
export function openChannel() {
  if (channel || !tabs || typeof BroadcastChannel !== "function") return;
  channel = new BroadcastChannel("cobrowse");
  channel.onmessage = ({ data }) => {
    const held = tabs.held();
    if (data.type === "ask" && held) tell({ type: "session", key: held.key, secret: held.secret });
    else if (data.type === "session" && !held && data.key && data.secret) {
      tabs.handed({ key: data.key, secret: data.secret });
    } else if (data.type === "forget" && held && data.key === held.key) tabs.forgotten();
  };
}

/** Closes the channel (the page goes into the back/forward cache, or away). */
export function closeChannel() {
  if (channel) channel.close();
  channel = null;
}

/** Sends `message` to the site's other tabs. */
export function tell(message) {
  if (channel) channel.postMessage(message);
}
