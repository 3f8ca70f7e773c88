// In the visitor's page: when its DOMContentLoaded began (wall-clock ms: performance.timeOrigin + the
// navigation entry's domContentLoadedEventStart), and what the page fetched for the shim, the recorder's
// glue JS and its wasm (Resource Timing: transferSize 0 means the browser cache answered; a few hundred
// bytes, a revalidation answered 304; about the body size, fetched again). Absent files are null. And,
// from visitor_frames.js, when the recorder asked to resume, when the session was resumed on this page and its first snapshot sent,
// and how many parts of a sliced snapshot it sent.
// arguments: none.
var navigation = performance.getEntriesByType('navigation')[0];
function file(suffix) {
  var entries = performance.getEntriesByType('resource').filter(function (entry) {
    return entry.name.split(/[?#]/)[0].endsWith(suffix);
  });
  var entry = entries[entries.length - 1];
  return entry ? { transfer: entry.transferSize, encoded: entry.encodedBodySize, decoded: entry.decodedBodySize } : null;
}
return {
  url: location.href,
  domContentLoaded: navigation ? performance.timeOrigin + navigation.domContentLoadedEventStart : null,
  asked: window.pageBenchVisitor ? window.pageBenchVisitor.asked : null,
  resumed: window.pageBenchVisitor ? window.pageBenchVisitor.resumed : null,
  snapshotSent: window.pageBenchVisitor ? window.pageBenchVisitor.snapshotSent : null,
  parts: window.pageBenchVisitor ? window.pageBenchVisitor.parts : null,
  shim: file('/cobrowse.js'),
  glue: file('/visitor/cobrowse_visitor.js'),
  wasm: file('/visitor/cobrowse_visitor_bg.wasm')
};
