// A DNS responder that loses what the conntrack race loses: a query that
// arrives from a client's socket while an earlier query from that same socket
// is still unanswered (glibc's A and AAAA sent together) is dropped. Every
// other query is answered after a short hold: A with 192.0.2.53, AAAA with
// 2001:db8::53. Usage: node racing-responder.ts ADDRESS PORT
import dgram from "node:dgram";

const [address = "127.0.0.1", port = "53"] = process.argv.slice(2);
const holdMs = 20;
const pending = new Set<string>();
let answered = 0;
let lost = 0;

function answer(query: Buffer): Buffer {
  // Header: same id, QR and RA set, RD copied, one question, one answer.
  const id = query.readUInt16BE(0);
  const rd = (query[2] ?? 0) & 0x01;
  let offset = 12;
  while ((query[offset] ?? 0) !== 0) offset += (query[offset] ?? 0) + 1;
  const qtype = query.readUInt16BE(offset + 1);
  const question = query.subarray(12, offset + 5);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header[2] = 0x80 | rd;
  header[3] = 0x80;
  header.writeUInt16BE(1, 4);
  const data =
    qtype === 1
      ? Buffer.from([192, 0, 2, 53])
      : qtype === 28
        ? Buffer.from("20010db8000000000000000000000053", "hex")
        : undefined;
  if (!data) return Buffer.concat([header, question]);
  header.writeUInt16BE(1, 6);
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0);
  record.writeUInt16BE(qtype, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(30, 6);
  record.writeUInt16BE(data.length, 10);
  return Buffer.concat([header, question, record, data]);
}

const socket = dgram.createSocket("udp4");
socket.on("message", (query, from) => {
  const client = `${from.address}:${from.port}`;
  if (query.length < 17) return;
  if (pending.has(client)) {
    lost++;
    return;
  }
  pending.add(client);
  setTimeout(() => {
    pending.delete(client);
    answered++;
    socket.send(answer(query), from.port, from.address);
  }, holdMs);
});
socket.bind(Number(port), address, () => console.log(`listening ${address}:${port}`));
process.on("SIGTERM", () => {
  console.log(JSON.stringify({ answered, lost }));
  process.exit(0);
});
