import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { substituteEnv } from './substitute-env.ts'

describe('substituteEnv', () => {
  it('replaces references inside longer strings, several per string', () => {
    const { value, issues } = substituteEnv(
      { publicUrl: 'https://${HOST}:${PORT}/x' },
      { HOST: 'api.example.com', PORT: '8443' },
    )
    assert.deepEqual(issues, [])
    assert.deepEqual(value, { publicUrl: 'https://api.example.com:8443/x' })
  })

  it('uses the default of ${NAME:-default} when the variable is unset or empty', () => {
    const config = { a: '${UNSET:-one}', b: '${EMPTY:-two}', c: '${SET:-three}', d: '${UNSET:-}' }
    const { value } = substituteEnv(config, { EMPTY: '', SET: 'set' })
    assert.deepEqual(value, { a: 'one', b: 'two', c: 'set', d: '' })
  })

  it('keeps a set but empty variable empty, as the shell does', () => {
    assert.deepEqual(substituteEnv({ a: '${EMPTY}' }, { EMPTY: '' }).value, { a: '' })
  })

  it('reads $${ as a literal ${', () => {
    assert.deepEqual(substituteEnv({ a: 'p$${NAME}' }, {}).value, { a: 'p${NAME}' })
  })

  it('leaves keys, numbers, booleans and null alone', () => {
    const config = { '${KEY}': 1, on: true, off: null, list: [2, '${A}'] }
    assert.deepEqual(substituteEnv(config, { KEY: 'k', A: 'a' }).value, {
      '${KEY}': 1,
      on: true,
      off: null,
      list: [2, 'a'],
    })
  })

  it('does not substitute inside a substituted value', () => {
    assert.deepEqual(substituteEnv({ a: '${A}' }, { A: '${B}', B: 'b' }).value, { a: '${B}' })
  })

  it('reports every unset variable and malformed reference with its option path', () => {
    const { issues } = substituteEnv(
      { idp: { clientSecret: '${SECRET}' }, routes: [{ upstream: '${URL' }, { path: '${1BAD}' }] },
      {},
    )
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['idp.clientSecret', 'routes.0.upstream', 'routes.1.path'],
    )
  })

  it('keeps a __proto__ key as data instead of changing the prototype', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": true}}')
    const { value } = substituteEnv(parsed, {})
    assert.equal(Object.getPrototypeOf(value), Object.prototype)
    assert.deepEqual(Object.keys(value as object), ['__proto__'])
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  })
})
