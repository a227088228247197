import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { Can, useCoatcheck } from '@coatcheck/react'
import { callApi, type Comment } from './api.ts'

/** The comments of one article, and a form to add one when the rules allow it. */
export function Comments({ articleId }: { articleId: string }) {
  const coatcheck = useCoatcheck()
  const [comments, setComments] = useState<Comment[]>([])
  const [draft, setDraft] = useState('')

  const reload = useCallback(async () => {
    const result = await callApi<Comment[]>(coatcheck, `/articles/${articleId}/comments`)
    if (result.ok) setComments(result.value)
  }, [coatcheck, articleId])
  useEffect(() => void reload(), [reload])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await callApi(coatcheck, `/articles/${articleId}/comments`, {
      method: 'POST',
      body: { body: draft },
    })
    if (result.ok) setDraft('')
    await reload()
  }
  return (
    <div className="comments">
      {comments.map((comment) => (
        <p key={comment.id} className="comment">
          <strong>{comment.authorName}:</strong> {comment.body}
        </p>
      ))}
      <Can I="create" a="Comment">
        <form onSubmit={(event) => void submit(event)} aria-label="Add a comment">
          <input
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="Add a comment"
            aria-label="Comment"
          />
          <button type="submit" className="secondary">
            Comment
          </button>
        </form>
      </Can>
    </div>
  )
}
