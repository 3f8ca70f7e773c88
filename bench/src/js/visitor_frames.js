// In every page the visitor's browser loads, before the page's own scripts (CDP
// Page.addScriptToEvaluateOnNewDocument): stamps when the recorder sent its first message (the `Resume`:
// the recorder loaded and its socket open, whichever came last), when the socket got its first message from
// the relay (the `SessionStarted` that continues the session on this page, stamped before the recorder
// handles it) and when the recorder sent its first snapshot frame (binary, header byte 1 = 1: serialized,
// encoded and compressed), and counts the parts of a sliced snapshot it sent (header byte 1 = 5), with
// when it sent the last. A wrapper of the page's WebSocket, as viewer_frames.js. Wall-clock ms
// (performance.timeOrigin + performance.now()) in window.pageBenchVisitor; page_timing.js reads them.
(function () {
  var bench = window.pageBenchVisitor = { asked: null, resumed: null, snapshotSent: null, parts: 0, lastPartSent: null };
  function now() { return performance.timeOrigin + performance.now(); }
  function bytesOf(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  }
  var NativeWebSocket = window.WebSocket;
  function StampingWebSocket(url, protocols) {
    var socket = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    socket.addEventListener('message', function () {
      if (bench.resumed === null) bench.resumed = now();
    });
    var send = socket.send;
    socket.send = function (data) {
      var bytes = bytesOf(data);
      if (bench.asked === null) bench.asked = now();
      if (bench.snapshotSent === null && bytes && bytes.length >= 2 && bytes[1] === 1) bench.snapshotSent = now();
      if (bytes && bytes.length >= 2 && bytes[1] === 5) (bench.parts += 1), (bench.lastPartSent = now());
      return send.call(this, data);
    };
    return socket;
  }
  StampingWebSocket.prototype = NativeWebSocket.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (state) { StampingWebSocket[state] = NativeWebSocket[state]; });
  window.WebSocket = StampingWebSocket;
})();
