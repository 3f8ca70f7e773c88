// The bytes of one full snapshot as the visitor sends it, beside rrweb's: our snapshot's postcard payload
// (inflated by the bench from cobrowseBench.snapshot_frame()) deflated by the browser's
// CompressionStream('deflate-raw'), as the visitor does (connection/browser_deflate.rs), timed (median of
// `runs`, each to the last byte); and rrweb-snapshot's full-snapshot event as JSON text, for the bench to
// pack as @rrweb/packer does; and the floor of any snapshot reading the DOM (after page_strings.js): the
// page's strings alone, deflated by the browser. Answers { deflated, deflate_ms, event_json,
// strings_deflated_bytes } or { error }.
// arguments: payload (an array of bytes), runs, callback.
var done = arguments[arguments.length - 1];
var payload = new Uint8Array(arguments[0]), runs = arguments[1];

function deflateRaw(bytes) {
  var stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
}

function timedDeflates(bytes, left, times) {
  var start = performance.now();
  return deflateRaw(bytes).then(function (deflated) {
    times.push(performance.now() - start);
    return left > 1 ? timedDeflates(bytes, left - 1, times) : deflated;
  });
}

try {
  var times = [];
  var event = {
    type: 2,
    data: { node: window.rrwebSnapshot.snapshot(document), initialOffset: { left: 0, top: 0 } },
    timestamp: Date.now(),
  };
  Promise.all([timedDeflates(payload, runs, times), pageStringsDeflated()])
    .then(function (both) {
      times.sort(function (a, b) { return a - b; });
      done({
        deflated: Array.from(both[0]),
        deflate_ms: times[Math.floor(times.length / 2)],
        event_json: JSON.stringify(event),
        strings_deflated_bytes: both[1],
      });
    })
    .catch(function (error) { done({ error: String((error && error.stack) || error) }); });
} catch (error) {
  done({ error: String((error && error.stack) || error) });
}
