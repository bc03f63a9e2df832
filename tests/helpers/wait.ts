// Wait for a condition the gateway reports (e.g. in /status.json), polling a bounded number
// of times. Tests synchronise on observable state, never on how long something takes.
export async function until<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, what: string, tries = 500): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < tries; i++) {
    last = await probe();
    if (ok(last)) return last;
    await Bun.sleep(10);
  }
  throw new Error(`gave up waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

export async function status(url: string): Promise<any> {
  return (await fetch(url + "/status.json")).json();
}

export function upstreamStatus(s: any, name: string): any {
  return s.upstreams.find((u: any) => u.name === name);
}
