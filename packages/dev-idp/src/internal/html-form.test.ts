import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { findAttribute, parseForms } from './html-form.ts'

describe('parseForms', () => {
  it('reads action, method, hidden values and input names, decoding entities', () => {
    const [form] = parseForms(`<p>x</p>
<form id="op.logoutForm" method="POST" action="/session/end/confirm?a=1&amp;b=2">
<input type="hidden" name="xsrf" value="a&quot;b"/><input type='hidden' name='logout' value='yes'>
<input id="u" name="username" type="text"></form>`)
    assert.deepEqual(form, {
      action: '/session/end/confirm?a=1&b=2',
      method: 'post',
      hidden: [
        ['xsrf', 'a"b'],
        ['logout', 'yes'],
      ],
      inputNames: ['xsrf', 'logout', 'username'],
    })
  })

  it('finds every form of a page', () => {
    assert.equal(parseForms('<form action="/a"></form><form action="/b"></form>').length, 2)
  })
})

describe('findAttribute', () => {
  it('returns the decoded value of the first matching attribute only', () => {
    const html =
      '<p data-error-description="bad &lt;thing&gt;"></p><code data-error="invalid_request">'
    assert.equal(findAttribute(html, 'data-error'), 'invalid_request')
    assert.equal(findAttribute(html, 'data-error-description'), 'bad <thing>')
    assert.equal(findAttribute(html, 'data-missing'), undefined)
  })
})
