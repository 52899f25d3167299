/**
 * Memoizes an async lookup by key for the life of the returned function (one batch): every
 * job of a batch asking for the same record shares one query, including a "not found".
 */
export function memoize<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    let p = cache.get(key);
    if (p === undefined) cache.set(key, (p = load(key)));
    return p;
  };
}
