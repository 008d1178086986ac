import { Component, type ReactNode } from "react";
import { errorMessage, isAppError, isNotFound } from "../lib/errors";
import { NotFound } from "./NotFound";
import { SignedOut } from "./SignedOut";

/**
 * Shows a query's error where the content would have been: a "not found" page, sign-in when the
 * session is gone, or the error in plain words.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; what?: string }, { error: unknown }> {
  state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    if (isAppError(this.state.error) && this.state.error.data.code === "UNAUTHENTICATED") return <SignedOut />;
    if (isNotFound(this.state.error))
      return (
        <NotFound
          what={this.props.what}
          detail={`This ${(this.props.what ?? "page").toLowerCase()} does not exist, was deleted, or belongs to a team you are not in.`}
        />
      );
    return (
      <section aria-labelledby="error-title">
        <h1 id="error-title">Something went wrong</h1>
        <p className="error" role="alert">
          {errorMessage(this.state.error)}
        </p>
      </section>
    );
  }
}
