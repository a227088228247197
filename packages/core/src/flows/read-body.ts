import { CoatcheckError } from '../errors/coatcheck-error.ts'

/**
 * The request body as text, read only up to `maxBytes`: a client cannot make Coatcheck
 * buffer an unbounded body on an endpoint that expects a few hundred bytes.
 *
 * @throws CoatcheckError `bad_request` when the body is larger.
 */
export async function readSmallBody(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return ''
  const reader = request.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new CoatcheckError('bad_request', { message: 'The request body is too large.' })
    }
    text += decoder.decode(value, { stream: true })
  }
}
