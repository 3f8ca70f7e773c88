/**
 * Events: the page's listeners (Cobrowse.on) and telling them what happens to the session.
 *
 * Events: started {key}, resumed {key}, navigating {key}, reconnecting {key}, agentjoined {name, agents},
 * agentleft {name, agents}, ended {reason, code}, error {message}.
 */

const listeners = {}; // event name → the page's callbacks

/** Tells the page's listeners; their errors are rethrown apart, never into the recorder or the session. */
export function emit(name, detail) {
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

/** Cobrowse.on(event, callback): listens to a session event; returns a function that stops listening. */
export function on(name, callback) {
  (listeners[name] = listeners[name] || []).push(callback);
  return () => {
    listeners[name] = (listeners[name] || []).filter((other) => other !== callback);
  };
}
