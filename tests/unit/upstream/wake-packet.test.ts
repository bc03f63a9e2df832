import { expect, test } from "bun:test";
import { MAGIC_PACKET_BYTES, magicPacket, sendUdp } from "../../../src/upstream/wake-packet.ts";
import { macBytes } from "../../../src/config/wake.ts";
import { startUdpListener } from "../../helpers/udp-listener.ts";

const MAC = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];

test("the magic packet: six 0xFF, then the MAC sixteen times, 102 bytes", () => {
  const p = magicPacket(Uint8Array.from(MAC));
  expect(MAGIC_PACKET_BYTES).toBe(102);
  expect(p.length).toBe(102);
  expect([...p.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
  for (let i = 0; i < 16; i++) expect([...p.subarray(6 + i * 6, 12 + i * 6)]).toEqual(MAC);
  // Written out once by hand, so a builder that is wrong the same way as the loop above still fails.
  const hex = Buffer.from(p).toString("hex");
  expect(hex).toBe("ffffffffffff" + "aabbccddeeff".repeat(16));
});

test("a MAC with colons or dashes, in either case, gives the same six bytes", () => {
  expect([...macBytes("aa:bb:cc:dd:ee:ff")]).toEqual(MAC);
  expect([...macBytes("AA-BB-CC-DD-EE-FF")]).toEqual(MAC);
  expect(() => magicPacket(new Uint8Array(5))).toThrow("6 bytes");
});

test("sendUdp delivers the 102 bytes to the address and port, from a socket it closes at once", async () => {
  const rx = await startUdpListener();
  try {
    const p = magicPacket(Uint8Array.from(MAC));
    await sendUdp(p, { address: "127.0.0.1", port: rx.port });
    expect([...(await rx.nth(1))]).toEqual([...p]);
  } finally {
    rx.close();
  }
});
