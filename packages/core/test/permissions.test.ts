// Permissions through Coatcheck: `/auth/session` carries the rules of the API's own
// permissions endpoint, served by a real @coatcheck/api upstream that verifies the user's
// access token from the real dev IdP.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTokenVerifier, definePermissions } from '@coatcheck/api'
import { createNodeGuard } from '@coatcheck/api/node'
import { ConfigError, parseConfig, type CoatcheckEvent } from '../src/index.ts'
import { API_AUDIENCE, startHarness, type Harness } from './support/harness.ts'

const permissions = definePermissions((caller, can) => {
  can('read', 'Article')
  if (caller.roles.includes('editor')) can('update', 'Article', { authorId: '${user.sub}' })
})

/**
 * The API: `GET /my-permissions` behind a real token verifier, which `trust(issuer)` sets up
 * once the dev IdP runs. `down` makes it answer 500 with the token echoed, as a careless API
 * might: Coatcheck must not pass that on.
 */
async function startPermissionsApi() {
  const state = { calls: 0, down: false, authorizations: [] as string[] }
  let guard: ReturnType<typeof createNodeGuard> | undefined
  const server: Server = createServer((req, res) => {
    if (req.url !== '/my-permissions') return void res.writeHead(204).end()
    state.calls++
    state.authorizations.push(req.headers.authorization ?? '')
    if (state.down || !guard) {
      return void res.writeHead(500).end(JSON.stringify({ echo: req.headers.authorization }))
    }
    void guard.myPermissions(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    state,
    trust(issuer: string) {
      const verifier = createTokenVerifier({
        issuer,
        audience: API_AUDIENCE,
        dpop: false,
        onFailure: () => {},
      })
      guard = createNodeGuard({ verifier, permissions })
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

interface SessionBody {
  user: { sub: string }
  permissions?: { rules: unknown[] }
  permissionsError?: string
}

for (const store of ['memory', 'cookie'] as const) {
  describe(`/auth/session with permissions, ${store} store`, () => {
    let harness: Harness
    let api: Awaited<ReturnType<typeof startPermissionsApi>>
    let offset = 0
    const events: CoatcheckEvent[] = []
    before(async () => {
      api = await startPermissionsApi()
      harness = await startHarness({
        config: {
          session: { store },
          tokens: { refreshSkewSeconds: 0 },
          routes: [{ path: '/api/articles', upstream: api.url, permissions: '/my-permissions' }],
        },
        coatcheck: { now: () => Date.now() + offset, onEvent: (event) => events.push(event) },
      })
      api.trust(harness.idp.issuer)
    })
    after(async () => {
      await harness.close()
      await api.close()
    })

    it('carries the rules of the API, fetched once per token version (S-30, C-14)', async () => {
      const browser = harness.browser()
      await browser.login({ username: 'bob', password: 'builder' })
      const first = (await (await browser.fetch('/auth/session')).json()) as SessionBody
      assert.ok(Array.isArray(first.permissions?.rules))
      assert.deepEqual(
        first.permissions.rules,
        permissions.rulesFor({ sub: first.user.sub, roles: ['editor'] } as never),
      )
      assert.equal(api.state.calls, 1)
      assert.match(api.state.authorizations[0] ?? '', /^Bearer /, 'with the user token')

      const second = (await (await browser.fetch('/auth/session')).json()) as SessionBody
      assert.deepEqual(second.permissions, first.permissions)
      assert.equal(api.state.calls, 1, 'served from the session')

      // The access token (300 s) expires on Coatcheck's clock and an API call refreshes it:
      // the new tokens are a new version, and the rules are fetched again with them.
      offset += 400_000
      assert.equal((await browser.fetch('/api/articles/1')).status, 204)
      const third = (await (await browser.fetch('/auth/session')).json()) as SessionBody
      assert.deepEqual(third.permissions, first.permissions)
      assert.equal(api.state.calls, 2)
      assert.notEqual(api.state.authorizations[1], api.state.authorizations[0], 'a refreshed token')
      offset = 0
    })

    it('answers without rules, and says so, when the API fails; no token in the answer (C-14)', async () => {
      const browser = harness.browser()
      await browser.login({ username: 'carol', password: 'marvel' })
      api.state.down = true
      try {
        const response = await browser.fetch('/auth/session')
        assert.equal(response.status, 200)
        const body = (await response.json()) as SessionBody
        assert.equal(body.permissions, undefined)
        assert.equal(body.permissionsError, 'permissions_unavailable')
        assert.equal(body.user.sub.length > 0, true)
        assert.ok(
          events.some((e) => e.type === 'upstream_error' && e.code === 'permissions_unavailable'),
        )
        for (const token of harness.idp.issuedTokens()) {
          for (const seen of browser.received) assert.ok(!seen.body.includes(token))
          assert.ok(!JSON.stringify(events).includes(token))
        }
      } finally {
        api.state.down = false
      }
      const recovered = (await (await browser.fetch('/auth/session')).json()) as SessionBody
      assert.ok(Array.isArray(recovered.permissions?.rules), 'fetched again once the API is back')
    })
  })
}

describe('routes[].permissions configuration', () => {
  const base = {
    environment: 'development',
    publicUrl: 'http://localhost:8080',
    keys: ['a'.repeat(43)],
    idp: { issuer: 'http://localhost:9000', clientId: 'c', clientSecret: 's' },
    spa: { url: 'http://localhost:5173/' },
  }
  const api = { path: '/api', upstream: 'http://localhost:9100', permissions: '/p' }
  const refusals = [
    ['on a route without the user token', [{ ...api, token: 'client' }], 'routes.0.permissions'],
    ['on a route that does not allow GET', [{ ...api, methods: ['POST'] }], 'routes.0.methods'],
    ['on two routes', [api, { ...api, path: '/b' }], 'routes'],
  ] as const
  for (const [where, routes, path] of refusals) {
    it(`refuses a permissions endpoint ${where}, naming \`${path}\``, () => {
      assert.throws(
        () => parseConfig({ ...base, routes }),
        (error) => error instanceof ConfigError && error.issues.some((i) => i.path === path),
      )
    })
  }
})
