// Starts the task meters (task_meters.js), then a cobrowse session as a site does: window.Cobrowse.start(),
// from the shim the relay serves. Answers { key } once the relay has started the session (the recorder
// loaded, its socket open, SessionStarted back; the snapshot follows), or { error }. Should the session
// end or fail later, window.sessionTasksEnded says why.
// arguments: callback.
var done = arguments[arguments.length - 1];

function fail(error) {
  done({ error: String((error && error.message) || error) });
}

try {
  window.sessionTasksEnded = null;
  ['ended', 'error'].forEach(function (name) {
    window.Cobrowse.on(name, function (detail) { window.sessionTasksEnded = name + ': ' + JSON.stringify(detail); });
  });
  window.taskMeters.start();
  Promise.resolve()
    .then(function () { return window.Cobrowse.start(); })
    .then(function (key) { done({ key: String(key) }); }, fail);
} catch (error) { fail(error); }
