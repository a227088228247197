import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseWrkOutput, renderWrkScript } from './wrk.ts'

describe('wrk script and output', () => {
  it('reads the result line among wrk’s own output', () => {
    const stdout = [
      'Running 10s test @ http://127.0.0.1:4000/api/small',
      '  2 threads and 50 connections',
      'WRK_RESULT {"requests":50000,"durationUs":10000000,"bytes":25000000,"requestBytes":219,"errors":3,"p50Us":1500,"p99Us":9000}',
      '',
    ].join('\n')
    assert.deepEqual(parseWrkOutput(stdout), {
      requests: 50000,
      requestsPerSecond: 5000,
      p50Ms: 1.5,
      p99Ms: 9,
      bytesUp: 219,
      bytesDown: 500,
      errors: 3,
    })
  })

  it('refuses output without a result line', () => {
    assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1\n'), /no result line/)
  })

  it('sets method, headers and body, escaping quotes for Lua', () => {
    const script = renderWrkScript({
      method: 'POST',
      headers: { Cookie: 'a="b"', 'X-CSRF': '1' },
      bodyBytes: 1024,
    })
    assert.match(script, /^wrk\.method = "POST"$/m)
    assert.match(script, /^wrk\.headers\["Cookie"\] = "a=\\"b\\""$/m)
    assert.match(script, /^wrk\.body = string\.rep\("x", 1024\)$/m)
    assert.throws(() => renderWrkScript({ method: 'GET', headers: { x: 'a\nb' }, bodyBytes: 0 }))
  })
})
