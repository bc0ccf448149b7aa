import type { MultipartFile } from '@fastify/multipart';
import { AppError } from '@mindflow/core/errors';
import type { FastifyRequest } from 'fastify';

/** The parser's refusals of a part beyond its limits (a field, a second file, a third part). */
const partLimits = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']);
const onlyTheFile = (field: string) =>
  new AppError('VALIDATION_FAILED', `the body holds one part, the file named "${field}", and nothing else`);

async function partOrRefusal<T>(next: Promise<T>, field: string): Promise<T> {
  try {
    return await next;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw typeof code === 'string' && partLimits.has(code) ? onlyTheFile(field) : error;
  }
}

/**
 * The one part of a multipart body that holds a file under `field` (the route's parser allows
 * one part, no field). `nothingAfter`, called once the file is read, refuses with 400
 * VALIDATION_FAILED a body with more after it, as a part first under another name or a field is
 * refused: the document declares one property and no others.
 */
export async function onlyFilePart(
  request: FastifyRequest,
  field: string,
  options?: Parameters<FastifyRequest['parts']>[0],
): Promise<{ part: MultipartFile; nothingAfter: () => Promise<void> }> {
  const parts = request.parts(options);
  const first = await partOrRefusal(parts.next(), field);
  if (first.done === true) throw new AppError('VALIDATION_FAILED', 'the request holds no file');
  const part = first.value;
  if (part.type !== 'file' || part.fieldname !== field) {
    if (part.type === 'file') part.file.resume();
    throw onlyTheFile(field);
  }
  return {
    part,
    nothingAfter: async () => {
      const next = await partOrRefusal(parts.next(), field);
      if (next.done !== true) {
        if (next.value.type === 'file') next.value.file.resume();
        throw onlyTheFile(field);
      }
    },
  };
}
