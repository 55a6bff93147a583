// A page that throws while rendering shows its error instead of a blank screen.
import { Component, type ReactNode } from "react";

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render() {
    if (this.state.error)
      return (
        <p className="error" role="alert">
          This page failed to render: {this.state.error.message}
        </p>
      );
    return this.props.children;
  }
}
