import { useState, type FormEvent } from 'react'
import type { Article } from './api.ts'

/** The edit (or new article) form. */
export function ArticleEditor(props: {
  article: Article | undefined
  onSave: (input: { title: string; body: string }) => Promise<void>
  onCancel: () => void
}) {
  const [title, setTitle] = useState(props.article?.title ?? '')
  const [body, setBody] = useState(props.article?.body ?? '')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void props.onSave({ title, body })
  }
  return (
    <form className="editor" onSubmit={submit} aria-label="Edit article">
      <h2>{props.article ? 'Edit article' : 'New article'}</h2>
      <label>
        Title
        <input value={title} onChange={(event) => setTitle(event.target.value)} required />
      </label>
      <label>
        Text
        <textarea value={body} onChange={(event) => setBody(event.target.value)} rows={5} />
      </label>
      <div className="actions">
        <button type="submit">Save</button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
