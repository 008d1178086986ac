import { useCallback, useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useDebounced } from "./useDebounced";

/**
 * A choice kept in the page's query string (`?q=…&sort=title`), so a reload, a shared address or
 * Back shows the same view. A value the choices do not hold (a hand-edited address) reads as
 * `fallback`, and the fallback itself is left out of the address. `choices` null: any text, cut to `maxLength`.
 */
export function useUrlChoice<T extends string>(
  name: string,
  choices: readonly T[] | null,
  fallback: T,
  maxLength = 200,
): [T, (value: T) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get(name);
  const value =
    raw === null ? fallback : choices === null ? (raw.slice(0, maxLength) as T) : choices.includes(raw as T) ? (raw as T) : fallback;
  const set = useCallback(
    (next: T) =>
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          if (next === fallback) updated.delete(name);
          else updated.set(name, next);
          return updated;
        },
        { replace: true },
      ),
    [name, fallback, setParams],
  );
  return [value, set];
}

/**
 * Text typed into a search box, kept in the query string once it settles: the box answers every
 * keystroke at once (its own state), and the address takes the trimmed text `delay` ms after the
 * last one. An address changed from outside (Back, a pasted link) fills the box again.
 * Returns the box's text, its setter, and the settled text to search for.
 */
export function useUrlText(name: string, delay: number, maxLength = 200): [string, (text: string) => void, string] {
  const [inAddress, setInAddress] = useUrlChoice<string>(name, null, "", maxLength);
  const [text, setText] = useState(inAddress);
  const settled = useDebounced(text.trim(), delay);
  // What the address last said, or was last told: tells our own writes from outside changes.
  const known = useRef(inAddress);
  useEffect(() => {
    if (settled === known.current) return;
    known.current = settled;
    setInAddress(settled);
  }, [settled, setInAddress]);
  useEffect(() => {
    if (inAddress === known.current) return;
    known.current = inAddress;
    setText(inAddress);
  }, [inAddress]);
  return [text, setText, settled];
}
