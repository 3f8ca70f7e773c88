// (After classic_script.js.) Loads rrweb's recorder (window.rrweb) and fflate, what @rrweb/packer packs
// with (window.fflate), into the page under test: the `storms` section's baseline. Answers {} or { error }.
// arguments: rrweb URL, fflate URL, callback.
var done = arguments[arguments.length - 1];
var recorderUrl = arguments[0], fflateUrl = arguments[1];

loadClassicScript(recorderUrl)
  .then(function () { return loadClassicScript(fflateUrl); })
  .then(function () { done(window.rrweb && window.fflate ? {} : { error: 'rrweb or fflate did not define itself' }); })
  .catch(function (error) { done({ error: String((error && error.stack) || error) }); });
