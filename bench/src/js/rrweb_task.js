// (After rrweb_pack.js.) The `tasks` section's baseline: rrweb's full snapshot, packed, run once in one
// task (a setTimeout), with the task meters (task_meters.js) running from just before that task until
// settleMs after it, so the browser has reported its long task. Answers { meters: taskMeters.stop()'s
// answer, took_ms (the call alone), packed_bytes } or { error }.
// arguments: settleMs, callback.
var done = arguments[arguments.length - 1];
var settleMs = arguments[0];

function fail(error) {
  try { window.taskMeters.stop(); } catch (ignored) { /* the meters did not start */ }
  done({ error: String((error && error.stack) || error) });
}

try {
  window.taskMeters.start();
  setTimeout(function () {
    try {
      var start = performance.now();
      var packed = pack(fullSnapshotEvent());
      var took = performance.now() - start;
      setTimeout(function () {
        done({ meters: window.taskMeters.stop(), took_ms: took, packed_bytes: packed.length });
      }, settleMs);
    } catch (error) { fail(error); }
  }, 0);
} catch (error) { fail(error); }
