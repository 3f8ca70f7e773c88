/**
 * Reconnecting: which closes are worth another try, and when to try.
 *
 * A dropped connection (no close frame, 1006), the relay going away (1001), a silent peer (4011), a relay
 * at capacity (4013) or its internal error (1011) may pass: the session is resumed, with exponential
 * backoff and full jitter (a random delay up to 250 ms × 2ⁿ, at most 5 s), so that visitors cut off
 * together do not all come back at the same instant. Every other close means the session is over.
 */

const TRANSIENT_CLOSES = [1006, 1001, 4011, 4013, 1011];
const FIRST_DELAY_MS = 250;
const LONGEST_DELAY_MS = 5000;

let timer = null; // the pending retry
let attempts = 0; // retries since the last success

/** Whether a session closed with `code` may be resumed. */
export function isTransient(code) {
  return TRANSIENT_CLOSES.includes(code);
}

/** The delay before retry number `attempt` (0 first): random, up to 250 ms × 2^attempt, at most 5 s. */
export function backoffDelay(attempt) {
  return Math.random() * Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS << Math.min(attempt, 8));
}

/** Calls `retry` after the next backoff delay (replacing a retry still pending). */
export function retryLater(retry) {
  clearTimeout(timer);
  timer = setTimeout(retry, backoffDelay(attempts++));
}

/** Cancels the pending retry, and starts the next backoff from the shortest delay. */
export function stopRetrying() {
  clearTimeout(timer);
  timer = null;
  attempts = 0;
}
