// rrweb's full snapshot, ready to send, as issue 13 defines the baseline: rrweb-snapshot's snapshot(document)
// in a full snapshot event, packed as @rrweb/packer 2.1.6's pack() does it (the event with v: "v1", JSON
// text, UTF-8, zlib by fflate, a binary string; its own bundles are not self-contained). Needs
// window.rrwebSnapshot and window.fflate (load_serializers.js). Prepended to the scripts that use it.
function fullSnapshotEvent() {
  var node = window.rrwebSnapshot.snapshot(document);
  return { type: 2, data: { node: node, initialOffset: { left: 0, top: 0 } }, timestamp: Date.now() };
}

function pack(event) {
  var marked = Object.assign({}, event, { v: 'v1' });
  var fflate = window.fflate;
  return fflate.strFromU8(fflate.zlibSync(fflate.strToU8(JSON.stringify(marked))), true);
}
