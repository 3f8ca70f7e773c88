// In the agent's viewer page, before it joins: stamps every snapshot frame (binary, header byte 1 = 1) and
// every part of a sliced snapshot (header byte 1 = 5) as it reaches the page, before the viewer handles it. The viewer's WebSockets are made through a wrapper
// of the page's WebSocket that adds a first 'message' listener. Wall-clock ms (performance.timeOrigin +
// performance.now()) into window.pageBench.frames (snapshots) and .parts. Then fills in the sign-in form and submits it.
// arguments: agent name, password, session key.
var name = arguments[0], password = arguments[1], key = arguments[2];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.pageBench = window.pageBench || {};
bench.frames = [];
bench.parts = [];
var NativeWebSocket = window.WebSocket;
function StampingWebSocket(url, protocols) {
  var socket = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
  socket.addEventListener('message', function (event) {
    var kind = event.data instanceof ArrayBuffer && event.data.byteLength >= 2 ? new Uint8Array(event.data)[1] : 0;
    if (kind === 1) bench.frames.push(now());
    if (kind === 5) bench.parts.push(now());
  });
  return socket;
}
StampingWebSocket.prototype = NativeWebSocket.prototype;
['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (state) { StampingWebSocket[state] = NativeWebSocket[state]; });
window.WebSocket = StampingWebSocket;

document.getElementById('agent-name').value = name;
document.getElementById('agent-password').value = password;
document.getElementById('session-key').value = key;
document.getElementById('join-form').requestSubmit();
return true;
