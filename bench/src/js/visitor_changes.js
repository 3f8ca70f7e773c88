// In the visitor's page: connects to the bare echo socket, then every spacingMs sets data-bench-seq=i on
// <body> (recording the wall-clock time just before) and, half a spacing later, sends i on the bare
// socket (recording its send time and, when the agent's answer comes back, its return time). A wrapper of
// WebSocket.prototype.send records when the session's first binary frame after each change left the page
// (frameSends): the visitor's part of the latency, on the same clock. Runs in the background;
// window.latencyBench.finished turns true after the last change. Answers { started: true } or { error }
// once the socket is open.
// arguments: bare echo URL, count, spacingMs, callback.
var done = arguments[arguments.length - 1];
var bareUrl = arguments[0], count = arguments[1], spacingMs = arguments[2];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.latencyBench = { sends: {}, frameSends: {}, bareSends: {}, bareReturns: {}, finished: false };
var socket = new WebSocket(bareUrl);
var unsent = null; // the last change whose frame has not left yet

var nativeSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (unsent !== null && typeof data !== 'string') {
    bench.frameSends[unsent] = now();
    unsent = null;
  }
  return nativeSend.call(this, data);
};

function change(seq) {
  if (seq >= count) {
    bench.finished = true;
    return;
  }
  bench.sends[seq] = now();
  unsent = seq;
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
