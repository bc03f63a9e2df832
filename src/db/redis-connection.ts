// One Redis connection as Wayfront uses it: every command under a short deadline, and after
// a failure the connection counts as down for a second (calls fail at once, no connection
// storm), then reconnects. Callers treat a failure as "no shared state", never as an error.
import { RedisClient } from "bun";

const DOWN_FOR_MS = 1000;

export interface RedisCommands {
  // Redis replies are strings, numbers, arrays or null, as Bun decodes them per command.
  // biome-ignore lint/suspicious/noExplicitAny: the reply type depends on the command; callers know which.
  cmd(command: string, args: string[]): Promise<any>;
  close(): void;
}

export function redisConnection(url: string, timeoutMs: number): RedisCommands {
  // No offline queue: while disconnected a command fails at once instead of piling up.
  const newClient = () => new RedisClient(url, { connectionTimeout: timeoutMs * 2, autoReconnect: true, enableOfflineQueue: false });
  let client = newClient();
  let downUntil = 0;

  // biome-ignore lint/suspicious/noExplicitAny: see RedisCommands.cmd.
  async function cmd(command: string, args: string[]): Promise<any> {
    if (Date.now() < downUntil) throw new Error("redis is unavailable");
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (!client.connected) await deadline(client.connect(), timeoutMs, (t) => (timer = t));
      clearTimeout(timer);
      return await deadline(client.send(command, args), timeoutMs, (t) => (timer = t));
    } catch (err) {
      // A server error reply is an answer, not an outage.
      if ((err as { code?: string })?.code === "ERR_REDIS_SERVER_ERROR") throw err;
      downUntil = Date.now() + DOWN_FOR_MS;
      client.close();
      client = newClient();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  return { cmd, close: () => client.close() };
}

function deadline<T>(p: Promise<T>, ms: number, keep: (t: ReturnType<typeof setTimeout>) => void): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => keep(setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms)))]);
}
