// (After classic_script.js.) On the visitor's page, loaded, its end marker added: loads rrweb's recorder
// and records the page as an rrweb-based live cobrowse does when it starts, `rrweb.record` emitting a Meta
// and a FullSnapshot event (synchronously, the document being loaded), then stops it. Answers
// { events: the events up to and including the full snapshot, as JSON, elements: the page's element count }
// or { error }.
// arguments: rrweb URL, callback.
var done = arguments[arguments.length - 1];
var recorderUrl = arguments[0];

function fail(error) { done({ error: String((error && error.stack) || error) }); }

loadClassicScript(recorderUrl).then(function () {
  if (!window.rrweb) return done({ error: 'rrweb did not define window.rrweb' });
  var events = [];
  var stop = window.rrweb.record({ emit: function (event) { events.push(event); } });
  if (stop) stop();
  var full = events.findIndex(function (event) { return event.type === 2; });
  if (full < 0) return done({ error: 'rrweb.record emitted no full snapshot (' + events.length + ' events)' });
  done({ events: JSON.stringify(events.slice(0, full + 1)), elements: document.getElementsByTagName('*').length });
}).catch(fail);
