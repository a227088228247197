/** One event of a `text/event-stream`. */
export interface ServerSentEvent {
  event: string
  data: string
}

/**
 * An incremental `text/event-stream` parser: feed it decoded text as it arrives, in chunks of
 * any size, and it calls `onEvent` for each complete event. Comments (`: ping`) keep the
 * connection alive and are skipped; `id` and `retry` are not used by Coatcheck's events.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function createEventStreamParser(onEvent: (event: ServerSentEvent) => void) {
  let pending = ''
  let event = ''
  let data: string[] = []
  return (chunk: string) => {
    const lines = (pending + chunk).split('\n')
    // The last piece has no line ending yet: keep it for the next chunk.
    pending = lines.pop() ?? ''
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
      if (line === '') {
        if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n') })
        event = ''
        data = []
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
  }
}
