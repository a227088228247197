import type { Coatcheck } from '@coatcheck/client'

// The shapes the demo API answers with, from its own source: type-only, nothing bundled.
export type { Article, Comment } from '../../src/api/article-store.ts'

/** The outcome of one API call: the JSON answer, or what went wrong, for the page to show. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; message: string }

/** Calls the demo API through Coatcheck (cookie and anti-CSRF header added by the SDK). */
export async function callApi<T>(
  coatcheck: Coatcheck<unknown>,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<ApiResult<T>> {
  const response = await coatcheck.fetch(`/api/demo${path}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  })
  const answer: unknown = await response.json().catch(() => undefined)
  if (response.ok) return { ok: true, value: answer as T }
  const message = (answer as { message?: unknown } | undefined)?.message
  return {
    ok: false,
    status: response.status,
    message: typeof message === 'string' ? message : `The API answered ${response.status}.`,
  }
}
