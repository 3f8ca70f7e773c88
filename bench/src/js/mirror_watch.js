// In the agent's viewer: records when each data-bench-seq change arrives in the mirror (a MutationObserver
// on the mirror iframe's document), and answers every message of the bare echo socket at once, recording
// when it arrived. Times are wall-clock ms (performance.timeOrigin + performance.now()), which the two
// browsers on this machine share. State: window.latencyBench. Answers { ready: true } or { error }.
// arguments: bare echo URL, callback.
var done = arguments[arguments.length - 1];
var bareUrl = arguments[0];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.latencyBench = { arrivals: {}, bareArrivals: {} };
var mirror = document.getElementById('cobrowse-mirror');
var mirrorDocument = mirror && mirror.contentDocument;
if (!mirrorDocument || !mirrorDocument.body) {
  done({ error: 'the mirror has no document body' });
} else {
  new MutationObserver(function (records) {
    var at = now();
    records.forEach(function (record) {
      var seq = record.target.getAttribute('data-bench-seq');
      if (seq !== null && !(seq in bench.arrivals)) bench.arrivals[seq] = at;
    });
  }).observe(mirrorDocument, { subtree: true, attributes: true, attributeFilter: ['data-bench-seq'] });
  var socket = new WebSocket(bareUrl);
  socket.onmessage = function (event) {
    bench.bareArrivals[event.data] = now();
    socket.send(event.data);
  };
  socket.onopen = function () { done({ ready: true }); };
  socket.onerror = function () { done({ error: 'cannot connect to ' + bareUrl }); };
}
