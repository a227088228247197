import { randomUUID } from 'node:crypto'

/** An article of the demo API. `authorId` is the `sub` of its author. */
export interface Article {
  id: string
  title: string
  body: string
  status: 'draft' | 'published'
  authorId: string
  authorName: string
}

/** A comment on an article. */
export interface Comment {
  id: string
  articleId: string
  body: string
  authorId: string
  authorName: string
}

// The `sub`s of the development identity provider's seed users.
const ALICE = { authorId: '6f1b7c2e-4a5d-4c1e-9a8b-2d3e4f5a6b7c', authorName: 'Alice Example' }
const BOB = { authorId: '0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f', authorName: 'Bob Example' }
const CAROL = { authorId: '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d', authorName: 'Carol Example' }

/** The demo's articles and comments, in memory: every start begins with the same few. */
export function createArticleStore() {
  const articles = new Map<string, Article>()
  const comments = new Map<string, Comment>()
  const seed: Article[] = [
    {
      id: 'welcome',
      title: 'Welcome to Coatcheck',
      body: 'Tokens stay on the server; the browser holds a cookie it cannot read.',
      status: 'published',
      ...ALICE,
    },
    {
      id: 'bobs-draft',
      title: 'DPoP in plain words',
      body: 'A token bound to a key is useless to whoever steals it without the key.',
      status: 'draft',
      ...BOB,
    },
    {
      id: 'alices-draft',
      title: 'Logged out everywhere',
      body: 'When the identity provider ends a session, every tab learns it.',
      status: 'draft',
      ...ALICE,
    },
  ]
  for (const article of seed) articles.set(article.id, article)
  comments.set('first', {
    id: 'first',
    articleId: 'welcome',
    body: 'So the XSS lab cannot find any token?',
    ...CAROL,
  })

  return {
    articles: () => [...articles.values()],
    article: (id: string) => articles.get(id),
    saveArticle(article: Article) {
      articles.set(article.id, article)
      return article
    },
    deleteArticle: (id: string) => articles.delete(id),
    comments: (articleId: string) =>
      [...comments.values()].filter((c) => c.articleId === articleId),
    comment: (id: string) => comments.get(id),
    addComment(comment: Omit<Comment, 'id'>) {
      const saved = { ...comment, id: randomUUID() }
      comments.set(saved.id, saved)
      return saved
    },
    deleteComment: (id: string) => comments.delete(id),
  }
}

/** The store of one demo API. */
export type ArticleStore = ReturnType<typeof createArticleStore>
