import { createRoot } from "react-dom/client";
import { render } from "./appMain";

// The members' app (index.html). Share links have their own page and build: share.html, src/shareEntry.tsx.
render(createRoot(document.getElementById("root")!));
