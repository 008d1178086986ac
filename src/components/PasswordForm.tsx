import { useId, useRef, useState, type FormEvent } from "react";
import { useRequestGrant } from "../hooks/useRequestGrant";
import { errorMessage } from "../lib/errors";
import { refusalText } from "../lib/refusalText";

/** The share page's password prompt (loaded only for links that have a password). */
export function PasswordForm({
  token,
  viewer,
  slugTicket,
  onGrant,
}: {
  token: string;
  viewer: string;
  slugTicket?: string;
  onGrant: (g: { grantToken: string; expiresAt: number }) => void;
}) {
  const issue = useRequestGrant();
  const [error, setError] = useState<{ message: string; times: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const errorId = useId();
  /**
   * A refusal: said (a new alert each time, so a screen reader says the same words again, with
   * how many tries in a row they answered), and the field, described by it, has the focus again
   * with what was typed selected for the next try.
   */
  const refuse = (message: string) => {
    setError((last) => ({ message, times: last?.message === message ? last.times + 1 : 1 }));
    input.current?.focus();
    input.current?.select();
  };
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("password") ?? "");
    if (!password) return refuse("Enter the password.");
    setBusy(true);
    try {
      const result = await issue({ token, password, viewerId: viewer, slugTicket });
      if (result.ok) return onGrant({ grantToken: result.grantToken, expiresAt: result.expiresAt });
      refuse(refusalText(result.reason, result.retryAfterMs));
    } catch (e) {
      refuse(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Unlock the video" className="stack">
      <h1>Password required</h1>
      <p className="muted">The sender protected this video with a password.</p>
      <label>
        Password{" "}
        <input
          ref={input}
          name="password"
          type="password"
          autoComplete="off"
          autoFocus
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      {error && (
        <p className="error" role="alert" id={errorId} key={`${error.message}:${error.times}`}>
          {error.message}
          {error.times > 1 && ` (${error.times} tries in a row)`}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Checking…" : "Watch"}
      </button>
    </form>
  );
}
