// Loads a classic script into the page under test and removes its <script> once run, leaving no element
// behind in the document being measured. Prepended to the scripts that load the baselines.
function loadClassicScript(url) {
  return new Promise(function (resolve, reject) {
    var script = document.createElement('script');
    script.src = url;
    script.onload = function () { script.remove(); resolve(); };
    script.onerror = function () { script.remove(); reject(new Error('cannot load ' + url)); };
    (document.head || document.documentElement).appendChild(script);
  });
}
