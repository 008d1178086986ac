import { createRoot } from "react-dom/client";
import { render } from "./shareMain";

// What /share/<token> loads (share.html): the share page alone, built on its own (scripts/buildSpa.mjs).
render(createRoot(document.getElementById("root")!));
