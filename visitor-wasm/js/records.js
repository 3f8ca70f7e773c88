// A batch of mutation records with each attribute's repeated changes dropped: only an attribute's first
// record in the batch is kept (its oldValue is the value before the batch; the wasm reads the current value
// itself). A storm that sets one attribute of 1,000 elements ten times hands the wasm 1,000 records, not
// 10,000: every record the wasm reads costs calls across the boundary (its target, type, name, namespace),
// a few JS property reads do not. The key is the name, then for a namespaced attribute a space and the
// namespace (the DOM turns an empty namespace into null): a name cannot hold a space. A name without a
// namespace is its own key, so no string is made and hashed for each record. Other records are kept, in
// their order.
export function distinct(records) {
  const seen = new Map();
  return records.filter((record) => {
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
