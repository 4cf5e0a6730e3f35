// A small Standard MIDI File reader: notes per track, in seconds, following the tempo map.
// Enough for the piano roll (format 0 and 1 files, ticks per quarter note).

/**
 * @param {ArrayBuffer} buffer The file.
 * @returns {{tracks: {name: string, channel: number, isDrum: boolean,
 *           notes: {pitch: number, start: number, end: number, velocity: number}[]}[],
 *           duration: number}}
 */
export function parseMidi(buffer) {
  const data = new DataView(buffer);
  let pos = 0;
  const text = (length) => {
    const bytes = new Uint8Array(buffer, pos, length);
    pos += length;
    return new TextDecoder("latin1").decode(bytes);
  };
  const u32 = () => { pos += 4; return data.getUint32(pos - 4); };
  const u16 = () => { pos += 2; return data.getUint16(pos - 2); };
  const u8 = () => data.getUint8(pos++);
  const varLength = () => {
    let value = 0;
    let byte;
    do {
      byte = u8();
      value = (value << 7) | (byte & 0x7f);
    } while (byte & 0x80);
    return value;
  };

  if (buffer.byteLength < 14 || text(4) !== "MThd") throw new Error("Not a MIDI file");
  const headerLength = u32();
  u16(); // format: 0 and 1 read the same way here
  const trackCount = u16();
  const division = u16();
  if (division & 0x8000) throw new Error("SMPTE time division is not supported");
  pos = 8 + headerLength;

  const tempos = [{ tick: 0, secondsPerTick: 0.5 / division }];
  const raw = [];
  for (let t = 0; t < trackCount && pos + 8 <= buffer.byteLength; t++) {
    const id = text(4);
    const length = u32();
    const trackEnd = Math.min(pos + length, buffer.byteLength);
    if (id !== "MTrk") { pos = trackEnd; continue; }
    const track = { name: "", channel: 0, notes: [] };
    const open = new Map();
    let tick = 0;
    let running = 0;
    while (pos < trackEnd) {
      tick += varLength();
      let status = data.getUint8(pos);
      if (status & 0x80) pos++;
      else status = running;
      if (status === 0xff) {
        const type = u8();
        const length = varLength();
        if (type === 0x03) track.name = new TextDecoder().decode(new Uint8Array(buffer, pos, length));
        if (type === 0x51 && length === 3) {
          const perQuarter = (data.getUint8(pos) << 16) | (data.getUint8(pos + 1) << 8) | data.getUint8(pos + 2);
          tempos.push({ tick, secondsPerTick: perQuarter / 1e6 / division });
        }
        pos += length;
        continue;
      }
      if (status === 0xf0 || status === 0xf7) { pos += varLength(); continue; }
      running = status;
      const kind = status & 0xf0;
      const channel = status & 0x0f;
      const a = u8();
      const b = kind === 0xc0 || kind === 0xd0 ? 0 : u8();
      if (kind === 0x90 && b > 0) {
        const key = channel * 128 + a;
        if (!open.has(key)) open.set(key, []);
        open.get(key).push({ tick, velocity: b });
        track.channel = channel;
      } else if (kind === 0x80 || kind === 0x90) {
        const started = open.get(channel * 128 + a)?.shift();
        if (started) track.notes.push({ pitch: a, startTick: started.tick, endTick: tick, velocity: started.velocity, channel });
      }
    }
    pos = trackEnd;
    raw.push(track);
  }

  tempos.sort((x, y) => x.tick - y.tick);
  let seconds = 0;
  for (let k = 0; k < tempos.length; k++) {
    if (k > 0) seconds += (tempos[k].tick - tempos[k - 1].tick) * tempos[k - 1].secondsPerTick;
    tempos[k].seconds = seconds;
  }
  const toSeconds = (tick) => {
    let k = tempos.length - 1;
    while (k > 0 && tempos[k].tick > tick) k--;
    return tempos[k].seconds + (tick - tempos[k].tick) * tempos[k].secondsPerTick;
  };
  let duration = 0;
  const tracks = raw
    .filter((track) => track.notes.length > 0)
    .map((track) => {
      const notes = track.notes.map((n) => ({
        pitch: n.pitch,
        start: toSeconds(n.startTick),
        end: toSeconds(n.endTick),
        velocity: n.velocity,
      }));
      for (const note of notes) duration = Math.max(duration, note.end);
      return { name: track.name, channel: track.channel, isDrum: track.channel === 9, notes };
    });
  return { tracks, duration };
}
