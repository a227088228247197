import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { CONTENT_SECURITY_POLICY, escapeHtml, LOGOUT_SCRIPT, renderLayout } from './html.ts'

describe('escapeHtml', () => {
  it('escapes the five characters that can break out of text or attributes', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
    )
  })

  it('renders null and undefined as empty text', () => {
    assert.equal(escapeHtml(undefined), '')
    assert.equal(escapeHtml(null), '')
  })
})

describe('CONTENT_SECURITY_POLICY', () => {
  it('forbids framing (D-29) and allows exactly the logout script by hash', () => {
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/)
    const hash = createHash('sha256').update(LOGOUT_SCRIPT).digest('base64')
    assert.match(
      CONTENT_SECURITY_POLICY,
      new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`),
    )
  })

  it('allows the layout style by hash', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(renderLayout('t', ''))?.[1] ?? ''
    const hash = createHash('sha256').update(style).digest('base64')
    assert.ok(CONTENT_SECURITY_POLICY.includes(`'sha256-${hash}'`))
  })
})
