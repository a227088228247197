import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { describe, it } from 'node:test'
import type { RouteConfig } from '../config/schema.ts'
import { CoatcheckError } from '../errors/coatcheck-error.ts'
import { buildUpstreamTarget, matchRoute, requestTarget } from './route-match.ts'

const route = { path: '/api', upstream: 'http://orders.internal:8080/v1/' } as RouteConfig

/** Path and query as the URL parser gives them: what `requestTarget` must always answer. */
function parsed(url: string) {
  const { pathname, search } = new URL(url)
  return { pathname, search }
}

// Characters that the parser escapes, decodes or treats as separators, and plain ones.
const PIECES = ['/', '.', '..', '%2e', '%2F', '%', '\\', '?', '#', "'", ' ', '"', '<', '@', ':']
const PLAIN = ['a', 'Z', '0', '-', '_', '~', '!', '$', '&', '(', '*', '+', ',', ';', '=']

function randomTarget(): string {
  let target = '/'
  const length = randomInt(1, 12)
  for (let i = 0; i < length; i++) {
    const pool = randomInt(3) === 0 ? PIECES : PLAIN
    target += pool[randomInt(pool.length)]
  }
  return target
}

describe('requestTarget', () => {
  it('answers as the URL parser does for plain and tricky targets (P-02)', () => {
    const targets = [
      '/api/orders',
      '/api/orders?page=2&sort=-date',
      '/api/orders?',
      '/api/./orders',
      '/api/../admin',
      '/api/.../x',
      '/api/%2e%2e/admin',
      '/api/x/.',
      '/api/x/..?q=1',
      "/api/x?name='a'",
      '/api/x#fragment',
      '/api\\..\\admin',
      '/api/a b',
      '/',
    ]
    for (const target of targets) {
      const url = `http://127.0.0.1:8080${target}`
      const { pathname, search } = requestTarget(url)
      assert.deepEqual({ pathname, search }, parsed(url), target)
    }
  })

  it('answers as the URL parser does for thousands of random targets (P-02)', () => {
    for (let i = 0; i < 5000; i++) {
      const url = `https://app.example.com${randomTarget()}`
      const { pathname, search } = requestTarget(url)
      assert.deepEqual({ pathname, search }, parsed(url), url)
    }
  })

  it('hands an unusual authority to the URL parser (P-02)', () => {
    for (const url of ['http://user@host/api/x', 'http://[::1]:8080/api/x', 'HTTP://HOST/api']) {
      const { pathname, search } = requestTarget(url)
      assert.deepEqual({ pathname, search }, parsed(url), url)
    }
  })
})

describe('buildUpstreamTarget', () => {
  const build = (target: string) => {
    const match = matchRoute(requestTarget(`https://app.example.com${target}`), [route])
    assert.ok(match, target)
    return buildUpstreamTarget(match)
  }

  it('puts the rest of the path and the query under the configured base (P-01, P-02)', () => {
    assert.deepEqual(build('/api/orders/7?expand=items'), {
      origin: 'http://orders.internal:8080',
      target: '/v1/orders/7?expand=items',
    })
    assert.deepEqual(build('/api'), { origin: 'http://orders.internal:8080', target: '/v1' })
  })

  it('escapes what the URL parser escapes in the upstream target (P-02)', () => {
    assert.deepEqual(build("/api/a b?q='x'"), {
      origin: 'http://orders.internal:8080',
      target: '/v1/a%20b?q=%27x%27',
    })
  })

  it('refuses encoded separators and empty segments (P-02)', () => {
    for (const target of ['/api/..%2Fadmin', '/api/a%5Cb', '/api/x%2e', '/api//evil.example/x']) {
      assert.throws(
        () => build(target),
        (error: unknown) => error instanceof CoatcheckError && error.code === 'bad_request',
        target,
      )
    }
  })

  it('never leaves the configured origin and base path for random targets (P-01, P-02)', () => {
    for (let i = 0; i < 5000; i++) {
      const target = `/api${randomTarget()}`
      const match = matchRoute(requestTarget(`https://app.example.com${target}`), [route])
      if (!match) continue
      let built
      try {
        built = buildUpstreamTarget(match)
      } catch (error) {
        assert.ok(error instanceof CoatcheckError && error.code === 'bad_request', target)
        continue
      }
      const url = new URL(`${built.origin}${built.target}`)
      assert.equal(url.origin, 'http://orders.internal:8080', target)
      assert.ok(`${url.pathname}/`.startsWith('/v1/'), target)
      assert.equal(`${url.pathname}${url.search}`, built.target, target)
    }
  })
})
