import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createEventStreamParser, type ServerSentEvent } from './parse-event-stream.ts'

function parseAll(chunks: string[]): ServerSentEvent[] {
  const events: ServerSentEvent[] = []
  const parse = createEventStreamParser((event) => events.push(event))
  for (const chunk of chunks) parse(chunk)
  return events
}

describe('createEventStreamParser', () => {
  it('reads named events and skips comment heartbeats', () => {
    assert.deepEqual(
      parseAll([': ping\n\nevent: session-ended\ndata: {"reason":"revoked"}\n\n: ping\n\n']),
      [{ event: 'session-ended', data: '{"reason":"revoked"}' }],
    )
  })

  it('joins an event split across chunks anywhere, CRLF included', () => {
    const text = 'event: session-refreshed\r\ndata: {"expiresAt":1}\r\n\r\n'
    for (let cut = 1; cut < text.length; cut++) {
      assert.deepEqual(parseAll([text.slice(0, cut), text.slice(cut)]), [
        { event: 'session-refreshed', data: '{"expiresAt":1}' },
      ])
    }
  })

  it('joins multi-line data, defaults the name to message and drops events without data', () => {
    assert.deepEqual(parseAll(['data:a\ndata: b\n\nevent: empty\n\nid: 7\nretry: 10\n\n']), [
      { event: 'message', data: 'a\nb' },
    ])
  })

  it('waits for the blank line before dispatching', () => {
    assert.deepEqual(parseAll(['event: session-ended\ndata: {}\n']), [])
  })
})
