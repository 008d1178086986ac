import { useEffect } from "react";

/** Names the tab for the page ("Launch cut · Reelgate"); null keeps the plain product name. */
export function useTitle(title: string | null) {
  useEffect(() => {
    document.title = title ? `${title} · Reelgate` : "Reelgate";
  }, [title]);
}
