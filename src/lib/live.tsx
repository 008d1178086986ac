/**
 * The share route's binding to Convex: Convex's own sync client (BaseConvexClient from
 * convex/browser, the one convex/react wraps) with the three hooks the share page needs —
 * live queries, mutations and the connection state. convex/react's hooks, watch objects and
 * paginated queries cost an anonymous viewer ~4 kB gzip more; `npm run size` checks the budget.
 * Same semantics as convex/react: `undefined` while loading, "skip" subscribes to nothing, and a
 * query that fails throws during render (to the nearest error boundary).
 */
import { BaseConvexClient, type ConnectionState } from "convex/browser";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import type { api } from "../../convex/_generated/api";

type Args = Record<string, Value>;

/** Where Convex keeps a function reference's name ("module/path:function"), as convex/server reads it. */
const FUNCTION_NAME = Symbol.for("functionName");

function references(path: readonly string[]): unknown {
  return new Proxy(
    {},
    {
      get: (_, key) =>
        key === FUNCTION_NAME
          ? `${path.slice(0, -1).join("/")}:${path[path.length - 1]}`
          : typeof key === "string"
            ? references([...path, key])
            : undefined,
    },
  );
}

/**
 * The share route's function references: the same typed `api` the rest of the app imports from
 * convex/_generated/api, built here so an anonymous viewer does not load convex/server's runtime
 * (anyApi, components) for what are only function names. `liveApi.shareLinks.getByToken` names
 * "shareLinks:getByToken", exactly as `api.shareLinks.getByToken` does.
 */
export const liveApi = references([]) as typeof api;

function nameOf(reference: FunctionReference<"query" | "mutation">): string {
  const name = (reference as unknown as Record<symbol, unknown>)[FUNCTION_NAME];
  if (typeof name !== "string") throw new Error("Not a Convex function reference");
  return name;
}

export class LiveClient {
  readonly sync: BaseConvexClient;
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(url: string, options?: ConstructorParameters<typeof BaseConvexClient>[2]) {
    this.sync = new BaseConvexClient(url, (changed) => changed.forEach((token) => this.listeners.get(token)?.forEach((l) => l())), options);
  }

  /** Subscribes to a query until the returned function is called; `onChange` runs on each new result. */
  watch(name: string, args: Args, onChange: () => void): () => void {
    const { queryToken, unsubscribe } = this.sync.subscribe(name, args);
    const set = this.listeners.get(queryToken) ?? new Set();
    set.add(onChange);
    this.listeners.set(queryToken, set);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.listeners.delete(queryToken);
      unsubscribe();
    };
  }
}

const LiveContext = createContext<LiveClient | null>(null);

export function LiveProvider({ client, children }: { client: LiveClient; children: ReactNode }) {
  return <LiveContext.Provider value={client}>{children}</LiveContext.Provider>;
}

function useLiveClient(): LiveClient {
  const client = useContext(LiveContext);
  if (!client) throw new Error("useLiveQuery/useLiveMutation need a <LiveProvider> above them.");
  return client;
}

/** A live query result: undefined while loading (or skipped), then every new result as it changes. */
export function useLiveQuery<Q extends FunctionReference<"query">>(
  query: Q,
  args: FunctionArgs<Q> | "skip",
): FunctionReturnType<Q> | undefined {
  const client = useLiveClient();
  const name = nameOf(query);
  // One subscription per distinct arguments, however often the caller builds a new object.
  const key = args === "skip" ? null : JSON.stringify(convexToJson(args as Args));
  const stable = useMemo(() => (key === null ? null : (jsonToConvex(JSON.parse(key)) as Args)), [key]);
  const subscribe = useCallback(
    (onChange: () => void) => (stable ? client.watch(name, stable, onChange) : () => undefined),
    [client, name, stable],
  );
  const snapshot = useCallback(() => (stable ? client.sync.localQueryResult(name, stable) : undefined), [client, name, stable]);
  return useSyncExternalStore(subscribe, snapshot) as FunctionReturnType<Q> | undefined;
}

export function useLiveMutation<M extends FunctionReference<"mutation">>(
  mutation: M,
): (args: FunctionArgs<M>) => Promise<FunctionReturnType<M>> {
  const client = useLiveClient();
  const name = nameOf(mutation);
  return useCallback((args: FunctionArgs<M>) => client.sync.mutation(name, args as Args) as Promise<FunctionReturnType<M>>, [client, name]);
}

/** The WebSocket's state (connected, ever connected), updated as it changes. */
export function useLiveConnectionState(): ConnectionState {
  const client = useLiveClient();
  const [state, setState] = useState(() => client.sync.connectionState());
  useEffect(() => {
    setState(client.sync.connectionState());
    return client.sync.subscribeToConnectionState(setState);
  }, [client]);
  return state;
}
