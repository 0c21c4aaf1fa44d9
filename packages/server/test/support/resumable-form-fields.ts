/**
 * The `form_fields` of an `upload` path mapped to the names Resumable.js sends (its
 * `resumable*` parameters and the `file` part), as the upload tests configure it.
 */
export const RESUMABLE_FORM_FIELDS = {
  file_name: 'resumableFilename',
  mime_type: 'resumableType',
  total_size: 'resumableTotalSize',
  chunk_number: 'resumableChunkNumber',
  chunk_size: 'resumableChunkSize',
  total_chunks: 'resumableTotalChunks',
  content: 'file',
  on_progress: 'on_progress',
  session: 'session',
  chunk_extra: 'chunk_extra',
  finish_extra: 'finish_extra',
} as const;
