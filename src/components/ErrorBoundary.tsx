import { Component, type ReactNode } from "react";
import { errorMessage } from "../lib/errors";

/** Shows a query's error (e.g. "Video not found.") where the content would have been. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  render() {
    if (this.state.error) return <p className="error" role="alert">{errorMessage(this.state.error)}</p>;
    return this.props.children;
  }
}
