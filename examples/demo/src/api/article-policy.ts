import type { PolicyFunction } from '@coatcheck/api'

/**
 * The demo's one policy: the API enforces it on every request, and the SPA draws its
 * buttons from the same rules, which Coatcheck serves in `/auth/session`.
 *
 * - admin (alice): everything, publishing included.
 * - editor (bob): reads every article and comment, writes articles, edits and deletes his
 *   own drafts, comments.
 * - viewer (carol): reads published articles and their comments, comments.
 * - Nobody deletes a comment: an inverted rule, last, so it wins over `manage all` too.
 */
export const articlePolicy: PolicyFunction = (caller, can, cannot) => {
  if (caller.roles.includes('admin')) can('manage', 'all')
  if (caller.roles.includes('editor')) {
    can('read', ['Article', 'Comment'])
    can('create', ['Article', 'Comment'])
    can(['update', 'delete'], 'Article', { authorId: '${user.sub}', status: 'draft' })
  }
  if (caller.roles.includes('viewer')) {
    can('read', 'Article', { status: 'published' })
    can(['read', 'create'], 'Comment')
  }
  cannot('delete', 'Comment')
}
