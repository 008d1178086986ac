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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const errorId = useId();
  /** A refusal: said, and the field (described by it) has the focus again for the next try. */
  const refuse = (message: string) => {
    setError(message);
    input.current?.focus();
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
        <p className="error" role="alert" id={errorId}>
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Checking…" : "Watch"}
      </button>
    </form>
  );
}
