import { createRoot } from "react-dom/client";

// Share links get their own small bundle (src/shareMain.tsx); everything else loads the app.
const root = createRoot(document.getElementById("root")!);
const entry = window.location.pathname.startsWith("/share/") ? import("./shareMain") : import("./appMain");
void entry.then((m) => m.render(root));
