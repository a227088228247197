import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { DevIdpError, startDevIdp } from '../src/index.ts'

describe('start-up guard (D-27)', { timeout: 30_000 }, () => {
  let saved: string | undefined
  beforeEach(() => {
    saved = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = saved
  })

  it('refuses to start with NODE_ENV=production and names the fix', async () => {
    const error = await startDevIdp({ port: 0 }).then(
      () => assert.fail('should not start'),
      (caught: unknown) => caught,
    )
    assert.ok(error instanceof DevIdpError)
    assert.equal(error.code, 'refused_in_production')
    assert.match(error.message, /allowProduction: true/)
    assert.match(error.message, /--allow-production/)
  })

  it('starts with NODE_ENV=production when allowProduction is set', async () => {
    const idp = await startDevIdp({ port: 0, allowProduction: true })
    try {
      const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`)
      assert.equal(response.status, 200)
    } finally {
      await idp.close()
    }
  })
})

describe('start-up options', { timeout: 30_000 }, () => {
  it('registers clients given at start and refuses invalid client metadata', async () => {
    const idp = await startDevIdp({
      clients: [
        {
          client_id: 'spa',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['http://localhost:5173/cb'],
        },
      ],
    })
    try {
      await assert.rejects(
        idp.registerClient({ client_id: 'broken', redirect_uris: ['not a url'] }),
        TypeError,
      )
      const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`)
      assert.equal(response.status, 200)
    } finally {
      await idp.close()
    }
  })

  it('uses the configured issuer', async () => {
    const idp = await startDevIdp({ issuer: 'http://idp.localtest.me:9999/' })
    try {
      assert.equal(idp.issuer, 'http://idp.localtest.me:9999')
    } finally {
      await idp.close()
    }
  })

  it('refuses an issuer with a path, before listening', async () => {
    await assert.rejects(startDevIdp({ issuer: 'http://localhost:9000/oidc' }), TypeError)
  })

  it('closes twice without error', async () => {
    const idp = await startDevIdp()
    await idp.close()
    await idp.close()
  })
})
