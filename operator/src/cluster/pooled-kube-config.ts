import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * A KubeConfig whose API calls share one connection pool. client-node makes a
 * new dispatcher for every request, so each call paid a TLS handshake; at a
 * few hundred nodes that was most of the operator's time to converge.
 */
export class PooledKubeConfig extends KubeConfig {
  private shared: Dispatcher | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getDispatcher();
    if (made === undefined) return;
    if (this.shared === undefined) {
      this.shared = made;
      return;
    }
    // Not yet connected, so closing it costs nothing.
    void made.close();
    context.setDispatcher(this.shared);
  }

  async closeConnections(): Promise<void> {
    const shared = this.shared;
    this.shared = undefined;
    await shared?.close();
  }
}
