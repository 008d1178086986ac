/**
 * Component environment variables, as Convex checks and serves them.
 *
 * A component declares the variables it needs (`defineComponent(name, { env: { KEY: v.string() } })`)
 * and its parent passes them (`app.use(c, { env: { KEY: "value" | app.env.SOME_VAR } })`). At push,
 * crates/model/src/components/type_checking.rs checks every binding (`validate_component_env`,
 * `CheckedComponentBuilder::check_args`) and resolves a reference to a parent's variable through
 * the tree, so what a component keeps is a value or the name of a deployment variable. At run
 * time a child's `process.env` is only that (crates/isolate/src/environment/udf/phase.rs
 * `get_environment_variable`): the app's deployment variables never reach it, except through a
 * binding; the system variables remain, CONVEX_SITE_URL pointing at the child's HTTP mount.
 */
import { checkValue, type ValidatorJson } from "./validate";

/** crates/common/src/bootstrap_model/components/definition.rs `EnvBinding`: a value, or a variable of the parent. */
export type ComponentEnvBinding = { type: "value"; value: string } | { type: "envVar"; name: string };
/** A declared variable: `EnvVarValidator` (a string-like validator, optional or not). */
export type EnvDeclaration = { validator: ValidatorJson; optional: boolean };

/** The variables Convex gives every function (crates/udf/src/environment.rs `system_env_vars`). */
const SYSTEM_NAMES = ["CONVEX_CLOUD_URL", "CONVEX_SITE_URL"] as const;

export type EnvView = { get(name: string): string | undefined; names(): string[] };

/** A child component's `process.env`: its bindings (deployment variables read now) and the system variables. */
export function childEnv(bindings: Map<string, ComponentEnvBinding>, siteMount: string | undefined, root: EnvView): EnvView {
  return {
    get(name) {
      const binding = bindings.get(name);
      if (binding) return binding.type === "value" ? binding.value : root.get(binding.name);
      if (!(SYSTEM_NAMES as readonly string[]).includes(name)) return undefined;
      const value = root.get(name);
      // phase.rs: "override CONVEX_SITE_URL with the prefixed URL so components can construct correct absolute URLs".
      return name === "CONVEX_SITE_URL" && value !== undefined && siteMount
        ? `${value.replace(/\/+$/, "")}${siteMount.replace(/\/+$/, "")}`
        : value;
    },
    names: () => [...bindings.keys(), ...SYSTEM_NAMES],
  };
}

/** A refused push: Convex's `TypecheckError` (400). */
export class ComponentTypecheckError extends Error {
  readonly code = "TypecheckError";
}

/** How Convex's messages print a component path and an identifier (Rust's `Debug` of ComponentPath and Identifier). */
const debugPath = (componentPath: string) =>
  `[${componentPath
    .split("/")
    .filter(Boolean)
    .map((n) => `ComponentName(Identifier(${JSON.stringify(n)}))`)
    .join(", ")}]`;
const debugIdentifier = (name: string) => `Identifier(${JSON.stringify(name)})`;

/** The `envVars` of a definition's `export()`: name → declaration (the validator is JSON in a string). */
export function envDeclarations(exported: unknown): Map<string, EnvDeclaration> {
  const declarations = new Map<string, EnvDeclaration>();
  if (!Array.isArray(exported)) return declarations;
  for (const entry of exported as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") throw new ComponentTypecheckError("Invalid env var declaration.");
    const decl = entry[1] as { value?: unknown; optional?: unknown } | null;
    if (typeof decl?.value !== "string") throw new ComponentTypecheckError(`Invalid env var declaration for ${entry[0]}.`);
    declarations.set(entry[0], { validator: JSON.parse(decl.value) as ValidatorJson, optional: decl.optional === true });
  }
  return declarations;
}

/** The `env` of a child instantiation as `app.use(c, { env })` serialized it (null: none given). */
export function envBindings(serialized: unknown): Map<string, ComponentEnvBinding> {
  const bindings = new Map<string, ComponentEnvBinding>();
  if (serialized === null || serialized === undefined) return bindings;
  if (!Array.isArray(serialized)) throw new ComponentTypecheckError("Invalid component env.");
  for (const entry of serialized as unknown[]) {
    const [name, binding] = Array.isArray(entry) ? (entry as [unknown, unknown]) : [];
    const b = binding as { type?: unknown; value?: unknown; name?: unknown } | undefined;
    if (typeof name !== "string") throw new ComponentTypecheckError("Invalid component env.");
    if (b?.type === "value" && typeof b.value === "string") bindings.set(name, { type: "value", value: b.value });
    else if (b?.type === "envVar" && typeof b.name === "string") bindings.set(name, { type: "envVar", name: b.name });
    else throw new ComponentTypecheckError(`Invalid binding for env var ${name}.`);
  }
  return bindings;
}

/**
 * Checks what a parent passes a child against the child's declarations (and, below the app, the
 * parent's own), then resolves references so each binding is a value or a deployment variable.
 * The parent's `resolved` is null for the app: its variables are the deployment's.
 */
export function resolveChildEnv(
  childPath: string,
  declarations: Map<string, EnvDeclaration>,
  bindings: Map<string, ComponentEnvBinding>,
  parent: { declarations: Map<string, EnvDeclaration>; resolved: Map<string, ComponentEnvBinding> | null },
): Map<string, ComponentEnvBinding> {
  const where = debugPath(childPath);
  for (const [name, binding] of bindings) {
    const declared = declarations.get(name);
    if (!declared) throw new ComponentTypecheckError(`Component ${where} has no env var named ${debugIdentifier(name)}`);
    if (binding.type === "value") {
      const problem = checkValue(declared.validator, binding.value, () => null);
      if (problem)
        throw new ComponentTypecheckError(`Component ${where} has an invalid value for env var ${debugIdentifier(name)}: ${problem}`);
      continue;
    }
    const parentDeclared = parent.declarations.get(binding.name);
    if (!parentDeclared)
      throw new ComponentTypecheckError(
        `Component ${where} env var ${debugIdentifier(name)} references undeclared parent env var ${binding.name}`,
      );
    if (parentDeclared.optional && !declared.optional)
      throw new ComponentTypecheckError(
        `Component ${where} env var ${debugIdentifier(name)} is required, but parent env var ${binding.name} is optional`,
      );
    if (!isSubset(parentDeclared.validator, declared.validator))
      throw new ComponentTypecheckError(
        `Component ${where} env var ${debugIdentifier(name)} validator is not satisfied by parent env var ${binding.name} validator`,
      );
  }
  for (const [name, declared] of declarations)
    if (!declared.optional && !bindings.has(name))
      throw new ComponentTypecheckError(`Component ${where} is missing required env var ${debugIdentifier(name)}`);
  // A reference to the parent's variable becomes what the parent's binding is (absent: unset).
  const resolved = new Map<string, ComponentEnvBinding>();
  for (const [name, binding] of bindings) {
    if (binding.type === "value" || !parent.resolved) resolved.set(name, binding);
    else {
      const upstream = parent.resolved.get(binding.name);
      if (upstream) resolved.set(name, upstream);
    }
  }
  return resolved;
}

/** Every value `left` accepts, `right` accepts (validator.rs `is_subset`, for the string-like validators env vars use). */
function isSubset(left: ValidatorJson, right: ValidatorJson): boolean {
  if (right.type === "any") return true;
  if (JSON.stringify(left) === JSON.stringify(right)) return true;
  if (left.type === "literal" && typeof left.value === "string" && right.type === "string") return true;
  if (left.type === "union") return left.value.every((member) => isSubset(member, right));
  if (right.type === "union") return right.value.some((member) => isSubset(left, member));
  return false;
}
