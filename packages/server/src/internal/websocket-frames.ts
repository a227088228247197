import { randomBytes } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

/** Close code 1001 "going away": the server is shutting down (RFC 6455 §7.4.1). */
export const GOING_AWAY = 1001

/**
 * A close frame with `code`. Frames a client sends must be masked (RFC 6455 §5.3), frames
 * a server sends must not be; the gateway plays the server towards the browser and the
 * client towards the upstream.
 */
export function closeFrame(code: number, masked: boolean): Buffer {
  const payload = Buffer.alloc(2)
  payload.writeUInt16BE(code)
  if (!masked) return Buffer.concat([Buffer.from([0x88, 0x02]), payload])
  const mask = randomBytes(4)
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0)
  return Buffer.concat([Buffer.from([0x88, 0x82]), mask, payload])
}

/**
 * Relays WebSocket bytes unchanged while tracking where each frame ends (RFC 6455 §5.2),
 * so a shutdown can stop the relay between two frames and send a close frame of its own: a
 * close frame written in the middle of a relayed frame would be garbage to the peer.
 */
export class FrameGate extends Transform {
  // Bytes of the frame header read so far, and payload bytes still to pass.
  private head = Buffer.alloc(0)
  private remaining = 0
  private stopped = false
  private onBoundary: (() => void) | undefined

  /** Stops relaying at the next frame boundary (at once if between frames), then calls `then`. */
  stopAtBoundary(then: () => void): void {
    if (this.stopped || this.onBoundary) return
    this.onBoundary = then
    if (this.isBetweenFrames()) this.stop()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0
    while (offset < chunk.length && !this.stopped) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset)
        this.push(chunk.subarray(offset, offset + take))
        this.remaining -= take
        offset += take
      } else {
        const needed = headerLength(this.head) - this.head.length
        const take = Math.min(needed, chunk.length - offset)
        this.head = Buffer.concat([this.head, chunk.subarray(offset, offset + take)])
        offset += take
        if (this.head.length === headerLength(this.head)) {
          this.push(this.head)
          this.remaining = payloadLength(this.head)
          this.head = Buffer.alloc(0)
        }
      }
      if (this.onBoundary && this.isBetweenFrames()) this.stop()
    }
    callback()
  }

  private isBetweenFrames(): boolean {
    return this.remaining === 0 && this.head.length === 0
  }

  private stop(): void {
    this.stopped = true
    const then = this.onBoundary
    this.onBoundary = undefined
    then?.()
  }
}

/** Header length once its first two bytes are known (2 until then). */
function headerLength(head: Buffer): number {
  if (head.length < 2) return 2
  const second = head[1] ?? 0
  const length7 = second & 0x7f
  const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0
  return 2 + extended + (second & 0x80 ? 4 : 0)
}

function payloadLength(head: Buffer): number {
  const length7 = (head[1] ?? 0) & 0x7f
  if (length7 === 126) return head.readUInt16BE(2)
  if (length7 === 127) return Number(head.readBigUInt64BE(2))
  return length7
}
