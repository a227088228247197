import assert from 'node:assert/strict'
import { it } from 'node:test'
import { FrameGate, GOING_AWAY, closeFrame } from './websocket-frames.ts'

/** An unmasked text frame with `length` bytes of payload. */
function frame(length: number, fill = 0x61): Buffer {
  const payload = Buffer.alloc(length, fill)
  if (length < 126) return Buffer.concat([Buffer.from([0x81, length]), payload])
  const head = Buffer.from([0x81, 126, 0, 0])
  head.writeUInt16BE(length, 2)
  return Buffer.concat([head, payload])
}

function collect(gate: FrameGate): Buffer[] {
  const out: Buffer[] = []
  gate.on('data', (chunk: Buffer) => out.push(chunk))
  return out
}

it('encodes close 1001 unmasked for the browser and masked for the upstream (RFC 6455 §5.3)', () => {
  assert.deepEqual([...closeFrame(GOING_AWAY, false)], [0x88, 0x02, 0x03, 0xe9])
  const masked = closeFrame(GOING_AWAY, true)
  assert.equal(masked.length, 8)
  assert.equal(masked[1], 0x82)
  const mask = masked.subarray(2, 6)
  const code = masked.subarray(6).map((byte, i) => byte ^ (mask[i % 4] ?? 0))
  assert.equal(Buffer.from(code).readUInt16BE(), GOING_AWAY)
})

it('stops relaying between two frames, never inside one', async () => {
  const gate = new FrameGate()
  const out = collect(gate)
  const first = frame(300)
  // Half of the first frame has passed when the shutdown asks to stop.
  gate.write(first.subarray(0, 150))
  await new Promise((resolve) => setImmediate(resolve))
  let stoppedAt = -1
  gate.stopAtBoundary(() => (stoppedAt = Buffer.concat(out).length))
  assert.equal(stoppedAt, -1)
  gate.write(Buffer.concat([first.subarray(150), frame(10, 0x62)]))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(stoppedAt, first.length)
  assert.deepEqual(Buffer.concat(out), first, 'the whole first frame, nothing of the second')
})

it('stops at once between frames, with headers split across chunks', async () => {
  const gate = new FrameGate()
  const out = collect(gate)
  const whole = frame(200)
  for (const byte of whole) gate.write(Buffer.from([byte]))
  await new Promise((resolve) => setImmediate(resolve))
  let called = false
  gate.stopAtBoundary(() => (called = true))
  assert.ok(called)
  assert.deepEqual(Buffer.concat(out), whole)
})
