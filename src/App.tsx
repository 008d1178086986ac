import { useConvexAuth } from "convex/react";
import type { ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { InvitePage } from "./routes/InvitePage";
import { Library } from "./routes/Library";
import { SharePage } from "./routes/SharePage";
import { SignIn } from "./routes/SignIn";
import { VideoPage } from "./routes/VideoPage";

function RequireAuth({ children }: { children: ReactNode }) {
  const { isAuthenticated, isLoading } = useConvexAuth();
  const location = useLocation();
  if (isLoading) return <p className="center muted" role="status">Loading…</p>;
  if (!isAuthenticated) return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/share/:token" element={<SharePage />} />
      <Route path="/signin" element={<SignIn />} />
      <Route path="/invite/:token" element={<InvitePage />} />
      <Route path="/" element={<RequireAuth><Library /></RequireAuth>} />
      <Route path="/videos/:videoId" element={<RequireAuth><VideoPage /></RequireAuth>} />
      <Route path="*" element={<p className="center">Page not found. <a href="/">Go to your library</a></p>} />
    </Routes>
  );
}
