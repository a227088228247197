import { useCallback, useEffect, useState } from 'react'
import { subject } from '@coatcheck/client/permissions'
import { Can, useCoatcheck } from '@coatcheck/react'
import { callApi, type ApiResult, type Article } from './api.ts'
import { ArticleEditor } from './article-editor.tsx'
import { Comments } from './comments.tsx'

/**
 * The articles the API lets this user read, each with the buttons the same rules allow:
 * `<Can>` hides what the API would refuse, and the API still checks every request.
 */
export function Articles() {
  const coatcheck = useCoatcheck()
  const [articles, setArticles] = useState<Article[]>([])
  const [editing, setEditing] = useState<Article | 'new'>()
  const [error, setError] = useState('')

  const reload = useCallback(async () => {
    const result = await callApi<Article[]>(coatcheck, '/articles')
    if (result.ok) setArticles(result.value)
    else setError(result.message)
  }, [coatcheck])
  useEffect(() => void reload(), [reload])

  const act = async (result: Promise<ApiResult<unknown>>) => {
    const outcome = await result
    setError(outcome.ok ? '' : outcome.message)
    if (outcome.ok) setEditing(undefined)
    await reload()
  }

  if (editing) {
    return (
      <ArticleEditor
        article={editing === 'new' ? undefined : editing}
        onCancel={() => setEditing(undefined)}
        onSave={(input) =>
          act(
            editing === 'new'
              ? callApi(coatcheck, '/articles', { method: 'POST', body: input })
              : callApi(coatcheck, `/articles/${editing.id}`, { method: 'PUT', body: input }),
          )
        }
      />
    )
  }
  return (
    <section aria-labelledby="articles-title">
      <h2 id="articles-title">Articles</h2>
      {error && <p role="alert">{error}</p>}
      <Can I="create" a="Article">
        <button type="button" onClick={() => setEditing('new')}>
          New article
        </button>
      </Can>
      {articles.map((article) => (
        <article key={article.id} className="article" data-article={article.id}>
          <h3>{article.title}</h3>
          <p className="meta">
            {article.status} · by {article.authorName}
          </p>
          <p>{article.body}</p>
          <div className="actions">
            <Can I="update" this={subject('Article', { ...article })}>
              <button type="button" onClick={() => setEditing(article)}>
                Edit
              </button>
            </Can>
            <Can I="publish" this={subject('Article', { ...article })}>
              {article.status === 'draft' && (
                <button
                  type="button"
                  onClick={() =>
                    void act(
                      callApi(coatcheck, `/articles/${article.id}/publish`, { method: 'POST' }),
                    )
                  }
                >
                  Publish
                </button>
              )}
            </Can>
            <Can I="delete" this={subject('Article', { ...article })}>
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  void act(callApi(coatcheck, `/articles/${article.id}`, { method: 'DELETE' }))
                }
              >
                Delete
              </button>
            </Can>
          </div>
          <Comments articleId={article.id} />
        </article>
      ))}
    </section>
  )
}
