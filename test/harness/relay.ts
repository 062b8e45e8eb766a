import type { Socket } from "node:net";

/** Pipes two sockets into each other; an error on either closes both. */
export function relay(client: Socket, upstream: Socket): void {
  client.pipe(upstream).pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
}
