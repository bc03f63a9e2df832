// How a bench server process tells its parent it is listening, and shuts down on SIGTERM.
export const READY_PREFIX = "READY ";

export function announce(url: string, stop: () => void | Promise<void>): void {
  const quit = async () => {
    await stop();
    process.exit(0);
  };
  process.on("SIGTERM", quit);
  process.on("SIGINT", quit);
  console.log(READY_PREFIX + url);
}
