/** The site port's routing through the component tree, as http_routing.rs `route_http_action` routes (httpRouting.ts). */
import { expect, test } from "vitest";
import { childMounts, checkHttpMounts, routeHttp, type RoutableComponent, type RouterLike } from "./httpRouting";
import { ComponentTypecheckError } from "./componentEnv";

/** A router with exact paths and prefixes ("/p/*"), answering as convex/server's HttpRouter.lookup does. */
function router(routes: string[]): RouterLike & { getRoutes(): Array<[string, string, unknown]> } {
  return {
    lookup(path) {
      if (routes.includes(path)) return [{}, "GET", path];
      const prefixes = routes.filter((r) => r.endsWith("*")).sort((a, b) => b.length - a.length);
      const hit = prefixes.find((r) => path.startsWith(r.slice(0, -1)));
      return hit ? [{}, "GET", hit] : null;
    },
    getRoutes: () => routes.map((r) => [r, "GET", {}]),
  };
}
const node = (
  routes: string[] | null,
  mounts: Record<string, [string, RoutableComponent]> = {},
  httpPrefix?: string,
): RoutableComponent => ({
  router: routes ? router(routes) : null,
  ...(httpPrefix ? { httpPrefix } : {}),
  mounts: new Map(Object.entries(mounts).map(([m, [name, component]]) => [m, { name, component }])),
});
const where = (root: RoutableComponent, path: string) => {
  const r = routeHttp(root, path, "GET");
  return r.kind === "routed" ? `${r.componentPath || "(app)"} ${r.routedPath}` : r.kind;
};

test("an exact route wins over any mount; otherwise the longest prefix, a mount winning a tie", () => {
  const child = node(["/x", "/deep/*"]);
  const app = node(["/api/users", "/api/*", "/a/*"], { "/api/": ["child", child], "/a/b/": ["other", node(["/*"])] });
  expect(where(app, "/api/users")).toBe("(app) /api/users");
  // "/api/*" and the mount "/api/" are the same length: the mount wins (http_routing.rs replaces on equal suffixes).
  expect(where(app, "/api/x")).toBe("child /x");
  expect(where(app, "/a/b/c")).toBe("other /c");
  expect(where(app, "/a/c")).toBe("(app) /a/c");
  // Inside the child, its own router answers, found or not (its 404).
  expect(where(app, "/api/nothing")).toBe("child /nothing");
  // Nothing matches and the app has a router: the app answers (its router's 404).
  expect(where(app, "/elsewhere")).toBe("(app) /elsewhere");
});

test("the app's httpPrefix applies to its own routes only; mounts stay absolute; no router on the way means no HTTP actions", () => {
  const app = node(["/ping"], { "/hello/": ["hello", node(["/greet"], { "/inner/": ["inner", node(["/where"])] })] }, "/app/");
  expect(where(app, "/app/ping")).toBe("(app) /ping");
  expect(where(app, "/ping")).toBe("noHttpActions");
  expect(where(app, "/hello/greet")).toBe("hello /greet");
  expect(where(app, "/app/hello/greet")).toBe("(app) /hello/greet");
  expect(where(app, "/hello/inner/where")).toBe("hello/inner /where");
  // A child is never given the app's prefix treatment.
  expect(where(node(null, { "/c/": ["c", node(["/app/x"], {}, "/app/")] }), "/c/app/x")).toBe("c /app/x");
  expect(where(node(null), "/anything")).toBe("noHttpActions");
  expect(where(node(null, { "/c/": ["c", node(["/x"])] }), "/d/x")).toBe("noHttpActions");
});

test("mounts are checked as Convex's type check does: a child that exists, has routes, and no overlapping prefix route", () => {
  type Fake = { modules: Map<string, Record<string, unknown>>; children: Map<string, Fake> };
  const component = (http: string[] | null, children: Record<string, Fake> = {}): Fake => ({
    modules: new Map(http ? [["http", { default: router(http) }]] : []),
    children: new Map(Object.entries(children)),
  });
  const ok = component(["/x"], { a: component(["/y"]) });
  expect(checkHttpMounts(childMounts({ "/a/": "_reference/childComponent/a" }), ok)).toEqual(new Map([["/a/", "a"]]));
  const refused = (mounts: Record<string, string>, c: Fake) => () => checkHttpMounts(childMounts(mounts), c);
  expect(refused({ "/b/": "_reference/childComponent/b" }, ok)).toThrow('Child component ComponentName(Identifier("b")) not found.');
  expect(refused({ "/a/": "_reference/childComponent/a" }, component(null, { a: component(null) }))).toThrow(
    "doesn't have any HTTP routes.",
  );
  expect(refused({ "/a/": "_reference/childComponent/a" }, component(["/a/*"], { a: component(["/y"]) }))).toThrow(
    'HTTP mount HttpMountPath("/a/") is invalid: Overlap with existing prefix route',
  );
  expect(refused({ "/a": "_reference/childComponent/a" }, ok)).toThrow(ComponentTypecheckError);
  expect(refused({ "/a/": "_reference/function/x" }, ok)).toThrow("Non-root child component references");
});
