import { invalid } from "./errors";

/** Trims `value` and requires 1..max characters; `what` names the field in the error. */
export function requireText(value: string, what: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalid(`${what} cannot be empty.`);
  if (trimmed.length > max) throw invalid(`${what} must be at most ${max} characters.`);
  return trimmed;
}

/** Like requireText but empty is allowed. */
export function optionalText(value: string | undefined, what: string, max: number): string {
  const trimmed = (value ?? "").trim();
  if (trimmed.length > max) throw invalid(`${what} must be at most ${max} characters.`);
  return trimmed;
}
