/**
 * process.env inside a pool worker (executor.ts): values are the main thread's (functionEnv.ts),
 * kept here while the environment's version stays the one the latest invoke message named
 * (FunctionEnv.version changes with every `npx convex env set`), so a function reading the same
 * variables on every request (a client address header, a site URL) costs no message for them.
 * With no version (an environment that is not versioned) every read asks the main thread.
 */
export class WorkerEnv {
  private readonly values = new Map<string, string | undefined>();
  private version: number | null = null;

  /** The environment's version as of the execution starting now: values of another version are dropped. */
  at(version: number | null) {
    if (version === this.version) return;
    this.values.clear();
    this.version = version;
  }

  /** A variable's value (`key` names the component and the variable): kept from an earlier read at this version, else `ask`ed of the main thread. */
  read(key: string, ask: () => string | undefined): string | undefined {
    if (this.values.has(key)) return this.values.get(key);
    const value = ask();
    if (this.version !== null) this.values.set(key, value);
    return value;
  }
}
