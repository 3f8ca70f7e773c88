// A batch of mutation records, read here so that the wasm crosses into JS for as few of them as it can.
//
// distinct(records, texts): the records with each attribute's repeated changes dropped: only an
// attribute's first record in the batch is kept (its oldValue is the value before the batch; the wasm
// reads the current value itself). A storm that sets one attribute of 1,000 elements ten times hands the
// wasm 1,000 records, not 10,000: every record the wasm reads costs calls across the boundary (its target,
// name, namespace), a few JS property reads do not. The key is the name, then for a namespaced
// attribute a space and the namespace (the DOM turns an empty namespace into null): a name cannot hold a
// space. A name without a namespace is its own key, so no string is made and hashed for each record.
// The text records are taken out: the text or CDATA node (or comment) each changed is pushed onto `texts`,
// in their order, for textChange. Other records are kept, in their order.
//
// textChange(texts, index, ids, masked): what the mirror needs to know of the node texts[index] before its
// text is read, in one call. The wasm otherwise asked the node its id, whether it is connected, its type,
// its parent, and the parent's type, tag and match of the masking selectors: a dozen calls, each far dearer
// than the getter it runs while the session's code is still cold (a storm of 1,000 text changes spent
// about half of the recorder's time in the calls' wrappers). The answer is -1 or NaN to skip the node (it is
// disconnected, a comment, which the mirror holds empty, or it has no value in `ids`), else its `ids` value
// times 4 plus how it is masked: 1 masked (its parent matches `masked`, or the match threw), 2 plain, 0 ask
// the wasm. Masking stays the wasm's: it passes `masked`, the selector of elements masked by themselves or
// an ancestor, only while that one match of a text's parent decides the text's masking
// (Mask::deciding_selector), and it is asked about an input's or textarea's text (a secret field's) and a
// text whose parent is no element (or none, where a page's getter says so). Nothing here reads a text.
export function distinct(records, texts) {
  const seen = new Map();
  return records.filter((record) => {
    if (record.type === 'characterData') {
      texts.push(record.target);
      return false;
    }
    if (record.type !== 'attributes') return true;
    const namespace = record.attributeNamespace;
    const key = namespace ? record.attributeName + ' ' + namespace : record.attributeName;
    let keys = seen.get(record.target);
    if (!keys) seen.set(record.target, (keys = new Set()));
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

export function textChange(texts, index, ids, masked) {
  const node = texts[index];
  const value = ids.get(node) * 4; // NaN if it has none
  if (!node.isConnected || node.nodeType === 8) return -1;
  const parent = node.parentNode;
  if (masked === undefined || parent?.nodeType !== 1) return value; // no parent: a page's getter lied
  try {
    if (parent.matches(masked)) return value + 1;
  } catch {
    return value + 1;
  }
  const tag = parent.localName;
  return tag === 'input' || tag === 'textarea' ? value : value + 2;
}
