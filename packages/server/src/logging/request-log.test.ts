import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { createRequestObserver } from './request-log.ts'

/** A request or response that fails the test when anything is read from or done to it. */
function untouchable<T>(): T {
  return new Proxy({} as object, {
    get: (_target, key) => assert.fail(`touched ${String(key)}`),
  }) as T
}

describe('the request observer', () => {
  it('does no work per request when nothing would log or count it', () => {
    const observe = createRequestObserver({
      logger: pino({ level: 'silent' }),
      labelRoute: () => assert.fail('labelled a route'),
    })
    observe(untouchable<IncomingMessage>(), untouchable<ServerResponse>())
  })
})
