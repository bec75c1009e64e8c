import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Express } from "express";

/**
 * The HTTP servers of one simulator, on random loopback ports. `close()` destroys the sockets still
 * open (a request the simulator keeps hanging, a keep-alive client) so a test never waits for them.
 */
export class Listeners {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  /** Serves `app` on 127.0.0.1 and a free port; returns its base URL. */
  async serve(app: Express): Promise<string> {
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(0, "127.0.0.1", (error?: Error) => (error ? reject(error) : resolve(s)));
    });
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
