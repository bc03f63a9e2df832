// The Wake-on-LAN "magic packet" and its one send. The format is AMD's (white paper "Magic
// Packet Technology", 1995): six 0xFF bytes, then the target's MAC sixteen times, 102 bytes
// in all, anywhere in a frame the NIC sees; a UDP datagram to the LAN's broadcast address on
// port 9 (or 7) is what every WoL tool sends, since a sleeping box has no IP to address.

const SYNC = 6;
const REPEATS = 16;
export const MAGIC_PACKET_BYTES = SYNC + REPEATS * 6;

export function magicPacket(mac: Uint8Array): Uint8Array {
  if (mac.length !== 6) throw new Error(`a MAC address has 6 bytes, not ${mac.length}`);
  const packet = new Uint8Array(MAGIC_PACKET_BYTES).fill(0xff, 0, SYNC);
  for (let i = 0; i < REPEATS; i++) packet.set(mac, SYNC + i * 6);
  return packet;
}

export type SendPacket = (packet: Uint8Array, to: { address: string; port: number }) => Promise<void>;

/**
 * One datagram from a fresh socket, closed at once: a wake is rare (once per wake_interval at
 * most), so there is no socket to keep open between them. SO_BROADCAST must be on, or the
 * kernel refuses a broadcast destination with EACCES (Linux: socket(7)).
 */
export const sendUdp: SendPacket = async (packet, to) => {
  const socket = await Bun.udpSocket({});
  try {
    socket.setBroadcast(true);
    // Bun returns false when the datagram could not be queued (it is never partly sent).
    if (!socket.send(packet, to.port, to.address)) throw new Error(`the datagram to ${to.address}:${to.port} could not be queued`);
  } finally {
    socket.close();
  }
};
