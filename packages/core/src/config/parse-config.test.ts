import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError } from './config-error.ts'
import { parseConfig } from './parse-config.ts'

const KEY = 'k'.repeat(43)

function valid(overrides: Record<string, unknown> = {}) {
  return {
    publicUrl: 'https://api.example.com',
    keys: [KEY],
    idp: { issuer: 'https://idp.example.com', clientId: 'spa-bff', clientSecret: 'secret' },
    spa: { url: 'https://app.example.com/' },
    ...overrides,
  }
}

function issuesOf(input: unknown): Map<string, string> {
  try {
    parseConfig(input)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return new Map(error.issues.map((issue) => [issue.path, issue.message]))
  }
  assert.fail('expected a ConfigError')
}

describe('parseConfig', () => {
  it('accepts a minimal production config and derives the redirect URIs from publicUrl (L-11)', () => {
    const config = parseConfig(valid({ publicUrl: 'https://api.example.com/' }))
    assert.equal(config.redirectUri, 'https://api.example.com/auth/callback')
    assert.equal(config.postLogoutRedirectUri, 'https://api.example.com/auth/logout/callback')
    assert.deepEqual([...config.allowedOrigins], ['https://app.example.com'])
    assert.equal(config.cookie.name, '__Host-coatcheck')
    assert.equal(config.cookie.sameSite, 'strict')
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.idp))
  })

  it('names a missing issuer and says it is required', () => {
    const issues = issuesOf(valid({ idp: { clientId: 'x', clientSecret: 'y' } }))
    assert.match(issues.get('idp.issuer') ?? '', /required/)
  })

  it('refuses a Domain on a __Host- cookie and names the fix (C-04, C-05)', () => {
    const issues = issuesOf(valid({ cookie: { domain: 'example.com' } }))
    assert.match(issues.get('cookie.domain') ?? '', /remove `cookie.domain`/)
  })

  it('refuses http URLs outside development and allows them in development (G-01)', () => {
    const input = valid({
      publicUrl: 'http://api.example.com',
      idp: { issuer: 'http://idp.example.com', clientId: 'x', clientSecret: 'y' },
      spa: { url: 'http://app.example.com/' },
    })
    const issues = issuesOf(input)
    for (const path of ['publicUrl', 'idp.issuer', 'spa.url']) {
      assert.match(issues.get(path) ?? '', /https/, path)
    }
    assert.doesNotThrow(() => parseConfig({ ...input, environment: 'development' }))
  })

  it('names unknown keys, wherever they are', () => {
    const issues = issuesOf(valid({ colour: 'red', cookie: { nmae: 'x' } }))
    assert.match(issues.get('colour') ?? '', /unknown option/)
    assert.match(issues.get('cookie.nmae') ?? '', /unknown option/)
  })

  it('refuses short keys, non-origins in spa.origins and scopes without openid', () => {
    const issues = issuesOf(
      valid({
        keys: ['short'],
        spa: { url: 'https://app.example.com/', origins: ['https://app.example.com/path'] },
        idp: {
          issuer: 'https://idp.example.com',
          clientId: 'x',
          clientSecret: 'y',
          scopes: ['email'],
        },
      }),
    )
    assert.ok(issues.has('keys.0'))
    assert.ok(issues.has('spa.origins.0'))
    assert.ok(issues.has('idp.scopes'))
  })
})

it('reports a malformed URL as a ConfigError naming the option, not a TypeError', () => {
  const issues = issuesOf(valid({ publicUrl: 'not a url', spa: { url: 'x', origins: ['::'] } }))
  assert.match(issues.get('publicUrl') ?? '', /URL/)
  assert.ok(issues.has('spa.url'))
  assert.ok(issues.has('spa.origins.0'))
})
