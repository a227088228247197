// The records the behaviour suite's apps serve, and what every app exposes:
//   GET    /articles          authorize('read', 'Article')      → { sub, scheme }
//   PUT    /articles/:id      requireAuth + assertCan on the record → { updated: id }
//   DELETE /comments/:id      authorize('delete', 'Comment')    → (always 403)
//   GET    /my-permissions    myPermissions
import { subject } from '../../../src/index.ts'
import { USERS } from '../idp.ts'

export const ARTICLES: Record<string, { id: string; authorId: string; status: string }> = {
  'bob-draft': { id: 'bob-draft', authorId: USERS.bob.sub, status: 'draft' },
  'alice-published': { id: 'alice-published', authorId: USERS.alice.sub, status: 'published' },
}

/** The record as a CASL subject, for record-level checks (S-31). */
export function articleSubject(id: string) {
  const article = ARTICLES[id]
  return article === undefined ? undefined : subject('Article', { ...article })
}

/** A started app. */
export interface RunningApp {
  url: string
  close(): Promise<void>
}
