import { useEffect, useRef } from "react";

/** A ref for an element (focusable: tabIndex -1) that takes the focus when `focus` becomes true, e.g. a page's title once the form before it is gone. */
export function useFocusedWhen<T extends HTMLElement = HTMLHeadingElement>(focus: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return ref;
}
