// A batch of mutation records sorted by type, [childList, attributes, characterData], each list in the
// batch's order, with each attribute's repeated changes dropped. Sorted here, the wasm knows a record's type
// by the list it is in: asking it (`record.type`) was a call across the boundary and a string copied into
// the wasm for every record, about a microsecond each. (The recorder keeps parents, attributes and texts in
// lists of their own anyway; the order between types never mattered.)
//
// Only an attribute's first record in the batch is kept (its oldValue is the value before the batch; the
// wasm reads the current value itself). A storm that sets one attribute of 1,000 elements ten times hands
// the wasm 1,000 records, not 10,000: every record the wasm reads costs calls across the boundary (its
// target, name, namespace), a few JS property reads do not. The key is the name, then for a namespaced
// attribute a space and the namespace (the DOM turns an empty namespace into null): a name cannot hold a
// space. A name without a namespace is its own key, so no string is made and hashed for each record.
export function byType(records) {
  const lists = [], attributes = [], texts = [];
  const seen = new Map();
  for (const record of records) {
    const type = record.type;
    if (type === 'childList') lists.push(record);
    else if (type !== 'attributes') texts.push(record);
    else if (firstChange(seen, record)) attributes.push(record);
  }
  return [lists, attributes, texts];
}

// Whether this is the batch's first record of its attribute on its element (`seen`: element → keys).
function firstChange(seen, record) {
  const namespace = record.attributeNamespace;
  const key = namespace ? record.attributeName + ' ' + namespace : record.attributeName;
  let keys = seen.get(record.target);
  if (!keys) seen.set(record.target, (keys = new Set()));
  if (keys.has(key)) return false;
  keys.add(key);
  return true;
}
