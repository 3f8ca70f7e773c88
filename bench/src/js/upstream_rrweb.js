// (After classic_script.js.) rrweb's upstream bytes per session start, on the visitor's page, loaded: loads
// rrweb's recorder and records the page with rrweb.record's default options (stylesheets the page can read
// inlined into the snapshot, no images), as an rrweb-based cobrowse starts; takes its full snapshot event
// (type 2, emitted synchronously, the document being loaded) and stops. Answers { event_json: that event as
// JSON text, for the bench to pack as @rrweb/packer does, elements: the page's element count } or { error }.
// arguments: rrweb URL, callback.
var done = arguments[arguments.length - 1];
var recorderUrl = arguments[0];

loadClassicScript(recorderUrl).then(function () {
  if (!window.rrweb) return done({ error: 'rrweb did not define window.rrweb' });
  var events = [];
  var stop = window.rrweb.record({ emit: function (event) { events.push(event); } });
  if (stop) stop();
  var full = events.find(function (event) { return event.type === 2; });
  if (!full) return done({ error: 'rrweb.record emitted no full snapshot (' + events.length + ' events)' });
  done({ event_json: JSON.stringify(full), elements: document.getElementsByTagName('*').length });
}).catch(function (error) { done({ error: String((error && error.stack) || error) }); });
