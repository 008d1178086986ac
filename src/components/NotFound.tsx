import { Link } from "react-router-dom";
import { useTitle } from "../hooks/useTitle";

/** A "not found" page with a heading, for unknown routes and ids. */
export function NotFound({ what = "Page", detail }: { what?: string; detail?: string }) {
  useTitle(`${what} not found`);
  return (
    <section className="center" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{what} not found</h1>
      <p>{detail ?? "This address does not point to anything here. It may have been mistyped, or what it pointed to was deleted."}</p>
      <Link to="/">Go to your library</Link>
    </section>
  );
}
