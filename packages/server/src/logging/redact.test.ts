import assert from 'node:assert/strict'
import { it } from 'node:test'
import { Writable } from 'node:stream'
import { createLogger } from './create-logger.ts'
import { REDACTED, collectSecrets, createScrubber } from './redact.ts'

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ'

it('blanks secret property names at any depth, whatever their value looks like (G-05)', () => {
  const scrub = createScrubber()
  const scrubbed = scrub({
    refresh_token: 'opaque-value',
    nested: { accessToken: 'x', headers: { cookie: 'a=b', 'set-cookie': ['c=d'] } },
    list: [{ client_secret: 'y', code: 'csrf_header_missing' }],
  })
  assert.deepEqual(scrubbed, {
    refresh_token: REDACTED,
    nested: { accessToken: REDACTED, headers: { cookie: REDACTED, 'set-cookie': REDACTED } },
    // `code` is Coatcheck's error code; it stays readable.
    list: [{ client_secret: REDACTED, code: 'csrf_header_missing' }],
  })
})

it('removes JWT-shaped strings and configured secrets from free text (G-05)', () => {
  const scrub = createScrubber(['client-secret-value', 'short'])
  assert.equal(
    scrub(`upstream said Bearer ${JWT} for client-secret-value`),
    `upstream said Bearer ${REDACTED} for ${REDACTED}`,
  )
  // Values under 8 characters are not scrubbed by value: they would blank out common words.
  assert.equal(scrub('a short message'), 'a short message')
})

it('collects the secrets of a configuration: client secret, cookie keys, private key', () => {
  const secrets = collectSecrets({
    publicUrl: 'https://bff.example.com',
    keys: ['k'.repeat(43)],
    idp: { clientId: 'web', clientSecret: 's3cret-s3cret' },
    dpop: { privateKey: { kty: 'EC', d: 'private-d-value' } },
  })
  assert.deepEqual(secrets.sort(), ['EC', 'k'.repeat(43), 'private-d-value', 's3cret-s3cret'])
})

it('writes JSON lines with credentials in headers and error messages redacted (G-05)', () => {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>)
      done()
    },
  })
  const logger = createLogger({ secrets: ['the-client-secret'], destination })
  logger.info(
    {
      req: { headers: { authorization: `Bearer ${JWT}`, dpop: JWT, accept: 'text/html' } },
      err: { message: `refused the-client-secret and ${JWT}` },
    },
    'request',
  )
  assert.equal(lines.length, 1)
  const text = JSON.stringify(lines[0])
  assert.ok(!text.includes(JWT) && !text.includes('the-client-secret'), text)
  assert.deepEqual(lines[0]?.['req'], {
    headers: { authorization: REDACTED, dpop: REDACTED, accept: 'text/html' },
  })
})
