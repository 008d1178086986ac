/**
 * Which component's `http.js` answers a request on the site port, as Convex routes it
 * (crates/application/src/application_function_runner/http_routing.rs `route_http_action`):
 *
 * - the app may give its own routes a prefix (`defineApp({ httpPrefix })`): it is stripped before
 *   the app's router sees the path, and a path outside it never reaches the app's routes;
 * - a component mounted with `app.use(c, { httpPrefix })` answers every path under its mount
 *   (mounts are absolute paths from the root, never under the app's prefix), and sees the rest of
 *   the path after the mount, starting with "/";
 * - an exact route of the current router wins; otherwise the longest prefix wins, whether it is a
 *   `pathPrefix` route or a mount; a mount descends into the child, which routes the rest the same way;
 * - nothing matched: the current router still answers (its 404), or "no HTTP actions" when there is none.
 */
import { ComponentTypecheckError } from "./componentEnv";

export type RouterLike = { lookup(path: string, method: string): [unknown, string, string] | null };

export type RoutableComponent = {
  /** This component's `http` router, if it has one. */
  router: RouterLike | null;
  /** The app's own prefix for its routes (normalized to end with "/"); only the app has one. */
  httpPrefix?: string;
  /** Mount path (starting and ending with "/") → the child mounted there. */
  mounts: Map<string, { name: string; component: RoutableComponent }>;
};

export type HttpRoute =
  /** `componentPath`'s router answers; it looks up `routedPath` (the request's URL is unchanged). */
  | { kind: "routed"; componentPath: string; routedPath: string; component: RoutableComponent }
  /** No router anywhere on the way: Convex's 404 for a deployment without HTTP actions. */
  | { kind: "noHttpActions" };

/** The message Convex answers (404) when no component has HTTP routes for the request. */
export const NO_HTTP_ACTIONS = "This Convex deployment does not have HTTP actions enabled.";

/** Bounded by the depth of the component tree (at most 16 here, as pushes refuse deeper). */
export function routeHttp(root: RoutableComponent, pathname: string, method: string): HttpRoute {
  let component = root;
  let componentPath = "";
  let path = pathname;
  for (;;) {
    if (!component.router && component.mounts.size === 0) return { kind: "noHttpActions" };
    // Only the app strips a prefix from the path its own router sees.
    const ownPath = component === root && component.httpPrefix !== undefined ? stripPrefix(path, component.httpPrefix) : path;
    const routed = (): HttpRoute =>
      ownPath !== null && component.router ? { kind: "routed", componentPath, routedPath: ownPath, component } : { kind: "noHttpActions" };

    const own = ownPath !== null && component.router ? component.router.lookup(ownPath, method) : null;
    // An exact route (the router's answer names the path itself) is always the most specific.
    if (own && !own[2].endsWith("*")) return routed();
    // Otherwise the longest prefix: the shorter the rest of the path, the longer the match.
    let best: { rest: number; mount: { name: string; component: RoutableComponent } | null; suffix: string } | null = null;
    if (own && ownPath !== null) best = { rest: ownPath.length - (own[2].length - 1), mount: null, suffix: ownPath };
    for (const [mountPath, mount] of component.mounts) {
      const rest = stripPrefix(path, mountPath);
      if (rest === null) continue;
      if (best && best.rest < rest.length - 1) continue;
      best = { rest: rest.length - 1, mount, suffix: rest };
    }
    if (!best) return routed();
    if (!best.mount) return routed();
    componentPath = componentPath ? `${componentPath}/${best.mount.name}` : best.mount.name;
    component = best.mount.component;
    path = best.suffix;
  }
}

/** `path` without `prefix` (which ends with "/"), as "/<rest>"; null when it does not start with it. */
function stripPrefix(path: string, prefix: string): string | null {
  return path.startsWith(prefix) ? `/${path.slice(prefix.length)}` : null;
}

/** A prefix as Convex keeps it: ending with "/" (components/index.ts `normalizeHttpPrefix`). */
export const normalizeHttpPrefix = (prefix: string) => (prefix.endsWith("/") ? prefix : `${prefix}/`);

type RoutesOf = { getRoutes?: () => Array<[string, string, unknown]> };
type MountedComponent = {
  modules: Map<string, Record<string, unknown>>;
  children: Map<string, MountedComponent>;
  httpMounts?: Map<string, string>;
};

/** The child each mount of a definition's `export()` names (`httpMounts`: mount path → `_reference/childComponent/<name>`), by child name. */
export function childMounts(httpMounts: Record<string, string> | undefined): Map<string, string> {
  const byChild = new Map<string, string>();
  for (const [mountPath, reference] of Object.entries(httpMounts ?? {})) {
    // definition.rs `HttpMountPath::from_str`: starts and ends with "/", no "*", no query.
    if (!mountPath.startsWith("/") || !mountPath.endsWith("/") || mountPath.includes("*") || mountPath.includes("?"))
      throw new ComponentTypecheckError(`Invalid HTTP mount path ${JSON.stringify(mountPath)}.`);
    const name = /^_reference\/childComponent\/([^/]+)$/.exec(reference)?.[1];
    if (!name) throw new ComponentTypecheckError("Non-root child component references for HTTP mounts currently unsupported");
    byChild.set(name, mountPath);
  }
  return byChild;
}

/**
 * A component's mounts checked as type_checking.rs `insert_http_mount` and `CheckedHttpRoutes::mount`
 * check them: the child exists and has HTTP routes of its own (or mounts), and no prefix route of
 * the component's own router is the same path. Answers mount path → child name.
 */
export function checkHttpMounts(byChild: Map<string, string>, component: MountedComponent): Map<string, string> {
  const own = ((component.modules.get("http")?.default as RoutesOf | undefined)?.getRoutes?.() ?? []).map(([p]) => p);
  const mounts = new Map<string, string>();
  for (const [name, mountPath] of byChild) {
    const where = `HTTP mount HttpMountPath(${JSON.stringify(mountPath)}) is invalid`;
    const child = component.children.get(name);
    if (!child)
      throw new ComponentTypecheckError(`${where}: Child component ComponentName(Identifier(${JSON.stringify(name)})) not found.`);
    const childRoutes = (child.modules.get("http")?.default as RoutesOf | undefined)?.getRoutes?.() ?? [];
    if (childRoutes.length === 0 && (child.httpMounts?.size ?? 0) === 0)
      throw new ComponentTypecheckError(
        `${where}: Child component ComponentName(Identifier(${JSON.stringify(name)})) doesn't have any HTTP routes.`,
      );
    // actions.rs `overlaps_with_mount`: only a prefix route can overlap, a bare "*" meaning "/*".
    if (own.some((route) => route.endsWith("*") && (route.slice(0, -1) || "/") === mountPath))
      throw new ComponentTypecheckError(`${where}: Overlap with existing prefix route`);
    if (mounts.has(mountPath)) throw new ComponentTypecheckError(`${where}: Overlap with previously mounted route`);
    mounts.set(mountPath, name);
  }
  return mounts;
}
