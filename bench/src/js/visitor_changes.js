// In the visitor's page: connects to the bare echo socket, then every spacingMs sets data-bench-seq=i on
// <body> (recording the wall-clock time just before) and, half a spacing later, sends i on the bare
// socket (recording its send time and, when the agent's answer comes back, its return time). Runs in
// the background; window.latencyBench.finished turns true after the last change. Answers { started: true }
// or { error } once the socket is open.
// arguments: bare echo URL, count, spacingMs, callback.
var done = arguments[arguments.length - 1];
var bareUrl = arguments[0], count = arguments[1], spacingMs = arguments[2];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.latencyBench = { sends: {}, bareSends: {}, bareReturns: {}, finished: false };
var socket = new WebSocket(bareUrl);

function change(seq) {
  if (seq >= count) {
    bench.finished = true;
    return;
  }
  bench.sends[seq] = now();
  document.body.setAttribute('data-bench-seq', String(seq));
  setTimeout(function () {
    bench.bareSends[seq] = now();
    socket.send(String(seq));
  }, spacingMs / 2);
  setTimeout(function () { change(seq + 1); }, spacingMs);
}

socket.onmessage = function (event) { bench.bareReturns[event.data] = now(); };
socket.onopen = function () {
  done({ started: true });
  change(0);
};
socket.onerror = function () { done({ error: 'cannot connect to ' + bareUrl }); };
