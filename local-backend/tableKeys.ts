/** A table's key in the store: `componentPath:table` ("" for the app itself; a component's path may hold "/", never ":"). */

/** "childComponent/rateLimiter:rateLimits" → ["childComponent/rateLimiter", "rateLimits"]. */
export function splitTableKey(tableKey: string): [string, string] {
  const at = tableKey.lastIndexOf(":");
  return [tableKey.slice(0, at), tableKey.slice(at + 1)];
}
