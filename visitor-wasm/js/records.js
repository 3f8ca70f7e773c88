// A batch of mutation records, read here so that the wasm crosses into JS for as few of them as it can.
// Each call from the wasm into JS costs far more than the getter it runs while the session's code is still
// cold (a storm of 1,000 text changes spent about half of the recorder's time in the calls' wrappers), so
// what the wasm needs of a batch's changed nodes is answered here in a few calls for the whole batch, not
// a few for each node. Masking stays the wasm's: nothing here decides it. The wasm passes the selectors to
// match and asks for every text and attribute value itself, only where it may be sent (a batch's texts, or
// its attributes' values, in one call, at the indices it passes).
//
// distinct(records, texts, attributes): the childList records, in their order. The text records are taken
// out: the text or CDATA node (or comment) each changed is pushed onto `texts`, in their order, for
// textChanges. The attributes records are taken out too, onto `attributes`, with each attribute's repeated
// changes dropped: only an attribute's first record in the batch is kept (its oldValue is the value before
// the batch; the value is read as it is now). A storm that sets one attribute of 1,000 elements ten times
// hands the wasm 1,000 records, not 10,000. The key is the name, then for a namespaced attribute a space
// and the namespace (the DOM turns an empty namespace into null): a name cannot hold a space. A name
// without a namespace is its own key, so no string is made and hashed for each record; an element's first
// key is kept alone, and a Set is made only for an element with changes to two attributes or more. Each
// record's getters are read once each, the attribute's name first (null in every other kind of record, so
// an attributes record is known without its type): every getter is a call into the browser. On a storm of
// 10,000 attribute changes, this filter took 1.2 ms reading each record's type twice (and an element's
// first target twice), 0.7 ms reading each getter once (medians of 30 runs in Chromium).
//
// textChanges(texts, ids, masked): what the mirror needs to know of each node of `texts` before its text is
// read, in one Float64Array, in their order. An answer is -1 or NaN to skip the node (it is disconnected,
// a comment, which the mirror holds empty, or it has no value in `ids`), else its `ids` value times 4 plus
// how its parent is masked (see masking; 0 when `masked` is undefined, where the wasm knows the masking
// already, and also for a parent that is no element, or none, where a page's getter says so). One call
// for the batch: a storm of 1,000 text changes crossed three times per text.
//
// textValues(texts, wanted): the data of texts[index] for each index in `wanted` (the nodes the wasm may
// send the text of), each followed by a NUL, in one string; null if one of them holds a NUL itself (the
// wasm then reads them one by one). Nothing else of a text is read here.
//
// attributeChanges(attributes, ids, flagged): what the wasm needs to know, before the batch's new nodes are
// serialized, of whether each change of `attributes` changed how its element is masked, in one string: for
// each, a number, a space, the attribute's name (qualified: `xlink:href`) and a NUL (a name holds neither a
// space nor a NUL). The number is NaN if the element has no value in `ids`, else that value times 64, plus
// 8 times its parent's masking code (the parent's `ids` value modulo 8; 0 for no parent, 7 for a parent
// with no value), plus 1 if the element matches `flagged` (or the match threw) and 2 if it is an input,
// textarea or select. The parent is the parent node, not element: a shadow root's or child document's
// child inherits its host's masking. Only a namespaced attribute is asked for its node, for its qualified
// name: asking makes the browser create an `Attr` the element then keeps.
//
// attributeStates(attributes, ids, masked, kinds): what the mirror needs to know of each changed attribute
// once the batch's new nodes are serialized, in one Float64Array. kinds[index] is 2 for an attribute never
// sent (answered -1, nothing read), 1 for one whose value its element's masking decides (a content-carrying
// one: its element is matched against `masked`), else 0. An answer is -1 or NaN to skip it (its element is
// disconnected or has no value in `ids`), else the element's `ids` value times 8, plus 4 if the attribute
// is present, plus how the element is masked (see masking; 0 when not matched or `masked` is undefined).
//
// attributeValues(attributes, wanted): the value of attributes[index] for each index in `wanted` (those
// the wasm may send), each followed by a NUL, in one string; null if one of them holds a NUL itself (the
// wasm then reads them one by one with attributeValue(attributes, index), null if absent).
//
// masking(element, masked): 1 if the element matches `masked` (or the match threw): masked; 0 for an input
// or textarea, whose masking the wasm decides (a secret field); else 2, plain. The wasm passes `masked`, the
// selector of elements masked by themselves or an ancestor, only while that one match decides
// (Mask::deciding_selector), else undefined.
export function distinct(records, texts, attributes) {
  const seen = new Map();
  return records.filter((record) => {
    const local = record.attributeName; // null but in an attributes record
    if (local === null) {
      if (record.type !== 'characterData') return true;
      texts.push(record.target);
      return false;
    }
    const namespace = record.attributeNamespace;
    const key = namespace ? local + ' ' + namespace : local;
    const element = record.target;
    const keys = seen.get(element); // its one key so far, or a Set of its keys
    if (keys === key || (typeof keys === 'object' && keys.has(key))) return false;
    if (keys === undefined) seen.set(element, key);
    else if (typeof keys === 'string') seen.set(element, new Set([keys, key]));
    else keys.add(key);
    attributes.push(record);
    return false;
  });
}

export function textChanges(texts, ids, masked) {
  const answers = new Float64Array(texts.length);
  for (let index = 0; index < texts.length; index += 1) answers[index] = textChange(texts[index], ids, masked);
  return answers;
}

export function textValues(texts, wanted) {
  return joined(wanted, (index) => texts[index].nodeValue);
}

function textChange(node, ids, masked) {
  const value = ids.get(node) * 4; // NaN if it has none
  if (!node.isConnected || node.nodeType === 8) return -1;
  if (masked === undefined) return value;
  const parent = node.parentNode;
  if (parent?.nodeType !== 1) return value; // no parent: a page's getter lied
  return value + masking(parent, masked);
}

export function attributeChanges(attributes, ids, flagged) {
  let answers = '';
  for (let index = 0; index < attributes.length; index += 1) {
    answers += attributeChange(attributes[index], ids, flagged) + '\0';
  }
  return answers;
}

function attributeChange(record, ids, flagged) {
  const { target: element, attributeName: local, attributeNamespace: namespace } = record;
  const name = namespace ? (element.getAttributeNodeNS(namespace, local)?.name ?? prefix(namespace, local) + local) : local;
  const value = ids.get(element);
  if (!(value >= 0)) return 'NaN ' + name;
  const parent = element.parentNode;
  const up = parent ? ids.get(parent) % 8 : 0;
  let flags;
  try {
    flags = element.matches(flagged) ? 1 : 0;
  } catch {
    flags = 1;
  }
  const tag = element.localName;
  if (tag === 'input' || tag === 'textarea' || tag === 'select') flags += 2;
  return value * 64 + (up >= 0 ? up : 7) * 8 + flags + ' ' + name;
}

export function attributeStates(attributes, ids, masked, kinds) {
  const answers = new Float64Array(attributes.length);
  for (let index = 0; index < attributes.length; index += 1) {
    answers[index] = kinds[index] === 2 ? -1 : attributeState(attributes[index], ids, kinds[index] === 1 ? masked : undefined);
  }
  return answers;
}

function attributeState(record, ids, masked) {
  const { target: element, attributeName: local, attributeNamespace: namespace } = record;
  if (!element.isConnected) return -1;
  const present = namespace ? element.hasAttributeNS(namespace, local) : element.hasAttribute(local);
  return ids.get(element) * 8 + (present ? 4 : 0) + (masked === undefined ? 0 : masking(element, masked));
}

export function attributeValues(attributes, wanted) {
  return joined(wanted, (index) => attributeValue(attributes, index));
}

export function attributeValue(attributes, index) {
  const { target: element, attributeName: local, attributeNamespace: namespace } = attributes[index];
  return namespace ? element.getAttributeNS(namespace, local) : element.getAttribute(local);
}

// read(index) for each index of `wanted`, each followed by a NUL, in one string (null read as empty); null
// if one of them holds a NUL itself.
function joined(wanted, read) {
  let values = '';
  for (let at = 0; at < wanted.length; at += 1) {
    const value = read(wanted[at]) ?? '';
    if (value.includes('\0')) return null;
    values += value + '\0';
  }
  return values;
}

function masking(element, masked) {
  try {
    if (element.matches(masked)) return 1;
  } catch {
    return 1;
  }
  const tag = element.localName;
  return tag === 'input' || tag === 'textarea' ? 0 : 2;
}

// The usual prefix of a removed namespaced attribute (`xlink:`), whose record names only its local name.
function prefix(namespace, local) {
  if (namespace === 'http://www.w3.org/1999/xlink') return 'xlink:';
  if (namespace === 'http://www.w3.org/XML/1998/namespace') return 'xml:';
  return namespace === 'http://www.w3.org/2000/xmlns/' && local !== 'xmlns' ? 'xmlns:' : '';
}

// The rehearsal's page and its changes (tree/rehearsal.rs): a batch made on a document of the rehearsal's
// own, with the DOM's own calls (no markup is parsed, which a page enforcing Trusted Types would refuse).
// Here, beside the functions the rehearsal warms, not in a module of its own: one module fewer for the
// recorder to load. Neither throws: where the browser refuses, there is nothing to rehearse.

/** A document of its own (inert: no script runs and nothing loads in it), its body holding a text and a `<p>`; null if none can be made. */
export function rehearsalPage() {
  try {
    const page = document.implementation.createHTMLDocument("");
    page.body.append("text", page.createElement("p"));
    return page;
  } catch {
    return null;
  }
}

/**
 * The records of the changes a page makes most, made to `page`'s body: a text changed, attributes set (one
 * twice), an element removed and one added. Observed as the recorder observes (tree/observer.rs), by the
 * pristine constructor in `hooks` where the shim gave one; null if the browser refuses.
 */
export function rehearsalRecords(page, hooks) {
  try {
    const observer = new ((hooks && hooks.MutationObserver) || MutationObserver)(() => {});
    const body = page.body;
    observer.observe(page, { childList: true, attributes: true, attributeOldValue: true, characterData: true, subtree: true });
    body.firstChild.data = "changed";
    body.title = "changed";
    body.className = "changed";
    body.title = "changed again";
    body.lastChild.remove();
    body.append(page.createElement("p"));
    const records = observer.takeRecords();
    observer.disconnect();
    return records;
  } catch {
    return null;
  }
}
