import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomKey, startHarness, type Harness } from './support/harness.ts'

describe('the stateless cookie store against the dev IdP', () => {
  let harness: Harness
  before(async () => {
    harness = await startHarness({ config: { session: { store: 'cookie' } } })
  })
  after(() => harness.close())

  it('logs in with the whole session sealed in cookies of at most 4096 bytes (C-09, C-10)', async () => {
    const browser = harness.browser()
    const callback = await browser.login()
    assert.equal(callback.status, 303)
    for (const line of callback.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? ''
      assert.ok(pair.length <= 4096, `${pair.length} bytes`)
    }
    const response = await browser.fetch('/auth/session')
    assert.equal(response.status, 200)
    // Sealed: no token appears in any cookie the browser holds (C-09).
    const jar = [...browser.cookies.values()].join(';')
    for (const token of harness.idp.issuedTokens()) assert.ok(!jar.includes(token))
  })

  it('treats a tampered or truncated cookie as no session: 401, never 500', async () => {
    const browser = harness.browser()
    await browser.login()
    const names = [...browser.cookies.keys()].filter((name) => name.startsWith('__Host-coatcheck'))
    assert.ok(names.length >= 1)
    for (const name of names) {
      const value = browser.cookies.get(name) ?? ''
      for (const bad of [
        value.slice(0, -5),
        // One character changed, whatever it was.
        `${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`,
        '',
        '%%%',
        value + value,
      ]) {
        const tampered = harness.browser()
        for (const [k, v] of browser.cookies) tampered.cookies.set(k, v)
        tampered.cookies.set(name, bad)
        const response = await tampered.fetch('/auth/session')
        assert.equal(response.status, 401, `${name} tampered`)
      }
    }
    assert.equal((await browser.fetch('/auth/session')).status, 200)
  })

  it('opens a cookie sealed with the previous key and re-seals it with the new one', async () => {
    const browser = harness.browser()
    await browser.login()
    const rotated = await startHarness({
      config: { session: { store: 'cookie' }, keys: [randomKey(), ...harness.keys] },
    })
    try {
      // Same browser cookies, new instance whose newest key differs.
      const other = rotated.browser()
      for (const [k, v] of browser.cookies) other.cookies.set(k, v)
      // The IdP differs but the session is self-contained, so the old cookie still opens.
      const before = new Map(other.cookies)
      const response = await other.fetch('/auth/session')
      assert.equal(response.status, 200)
      assert.ok(response.headers.getSetCookie().length > 0, 're-sealed with the new key')
      assert.notDeepEqual(new Map(other.cookies), before)
      assert.equal((await other.fetch('/auth/session')).status, 200)
    } finally {
      await rotated.close()
    }
  })
})
