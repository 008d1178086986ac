/** The end of an exhaustive `switch`: compiles only when every case returned, throws if one slips through at run time. */
export function unreachable(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
