// A UDP listener on 127.0.0.1 (an ephemeral port) standing in for a sleeping box's NIC: it
// keeps every datagram and lets a test act on each one as it arrives (e.g. bring the mock
// upstream up, as the box waking would). Tests never send a real broadcast.

export interface UdpListener {
  port: number;
  datagrams: Uint8Array[];
  /** Resolves with the n-th datagram (1-based) once it has arrived. */
  nth(n: number): Promise<Uint8Array>;
  /**
   * Send a marker datagram to the listener and wait for it: every datagram sent before it on
   * loopback has then arrived, so a count taken afterwards is final. Returns the count before it.
   */
  settle(): Promise<number>;
  close(): void;
}

export async function startUdpListener(onDatagram?: (d: Uint8Array) => void): Promise<UdpListener> {
  const datagrams: Uint8Array[] = [];
  const waiters: { n: number; resolve: (d: Uint8Array) => void }[] = [];
  const MARK = new TextEncoder().encode("test-marker");
  let marks = 0;
  let markSeen: (() => void) | null = null;
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(_s, data) {
        const bytes = new Uint8Array(data);
        if (bytes.length === MARK.length && bytes.every((b, i) => b === MARK[i])) {
          marks++;
          markSeen?.();
          return;
        }
        datagrams.push(bytes);
        onDatagram?.(bytes);
        for (const w of waiters.filter((w) => w.n <= datagrams.length)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(datagrams[w.n - 1]);
        }
      },
    },
  });
  const sender = await Bun.udpSocket({});
  return {
    port: socket.port,
    datagrams,
    nth(n) {
      if (datagrams.length >= n) return Promise.resolve(datagrams[n - 1]);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async settle() {
      const want = marks + 1;
      const seen = new Promise<void>((r) => (markSeen = () => marks >= want && r()));
      sender.send(MARK, socket.port, "127.0.0.1");
      await seen;
      markSeen = null;
      return datagrams.length;
    },
    close() {
      socket.close();
      sender.close();
    },
  };
}
