/**
 * The map under `key` in a map of maps, made and stored first if there is none. Counters on hot
 * paths (flag evaluations, HTTP answers) key nested maps by strings the caller already holds rather
 * than joining them into one key: a joined key is a new string to build and hash on every count.
 */
export function innerMap<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map<K2, V>();
    outer.set(key, inner);
  }
  return inner;
}
