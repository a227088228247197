// Reads a `text/event-stream` response as it arrives, for assertions on what was pushed.
import type { Coatcheck } from '../../src/index.ts'
import { PUBLIC_URL, SPA_ORIGIN, type TestBrowser } from './harness.ts'

/** What a stream delivered so far, and whether it ended. */
export interface StreamReader {
  /** Everything received, as text. */
  text(): string
  /** The `event:` names received, in order. */
  events(): { event: string; data: unknown }[]
  /** Resolves once `predicate` holds for the text received, or rejects after `ms`. */
  until(predicate: (text: string) => boolean, ms?: number): Promise<void>
  /** Resolves when the server ends the stream, or rejects after `ms`. */
  ended(ms?: number): Promise<void>
  /** Stops reading (the client goes away). */
  cancel(): Promise<void>
}

export function readEventStream(body: ReadableStream<Uint8Array>): StreamReader {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let done = false
  const waiters = new Set<() => void>()
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader.read()
        if (chunk.done) break
        text += decoder.decode(chunk.value, { stream: true })
        for (const wake of waiters) wake()
      }
    } catch {
      // Cancelled or cut: the same as an end for these tests.
    }
    done = true
    for (const wake of waiters) wake()
  })()

  const waitFor = (check: () => boolean, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve()
      const timer = setTimeout(() => {
        waiters.delete(wake)
        reject(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(text)}`))
      }, ms)
      const wake = () => {
        if (!check()) return
        clearTimeout(timer)
        waiters.delete(wake)
        resolve()
      }
      waiters.add(wake)
    })

  return {
    text: () => text,
    events: () =>
      text
        .split('\n\n')
        .filter((block) => block.startsWith('event: '))
        .map((block) => {
          const [eventLine = '', dataLine = ''] = block.split('\n')
          return {
            event: eventLine.slice('event: '.length),
            data: JSON.parse(dataLine.slice('data: '.length)) as unknown,
          }
        }),
    until: (predicate, ms = 5_000) => waitFor(() => predicate(text), ms, 'an event'),
    ended: (ms = 5_000) => waitFor(() => done, ms, 'the end of the stream'),
    cancel: () => reader.cancel(),
  }
}

/**
 * `GET /auth/events` as the SDK sends it, straight to the engine: `TestBrowser.fetch` reads
 * whole bodies, which a stream never ends.
 */
export function openEvents(
  coatcheck: Coatcheck,
  browser: TestBrowser,
  signal?: AbortSignal,
): Promise<Response> {
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  return coatcheck.handle(
    new Request(new URL('/auth/events', PUBLIC_URL), {
      headers: {
        origin: SPA_ORIGIN,
        'sec-fetch-mode': 'cors',
        'sec-fetch-site': 'same-site',
        'x-csrf': '1',
        ...(cookie ? { cookie } : {}),
      },
      ...(signal ? { signal } : {}),
    }),
  )
}
