import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.js';

const multipart = /^\s*multipart\/form-data\s*(?:;|$)/i;
const boundary = /;\s*boundary=(?:"[^"]+"|[^\s;"]+)/i;

/**
 * Refuses, before a byte of the body is read, a request that is not multipart/form-data (415
 * UNSUPPORTED_MEDIA_TYPE, `hint` saying what to send) or whose Content-Type names no boundary
 * (400 MALFORMED_REQUEST: no multipart body can be read without one).
 */
export function requireMultipart(request: FastifyRequest, hint: string): void {
  const contentType = request.headers['content-type'] ?? '';
  if (!multipart.test(contentType)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', hint);
  if (!boundary.test(contentType)) {
    throw new AppError('MALFORMED_REQUEST', 'the multipart/form-data Content-Type names no boundary');
  }
}

/**
 * Whether an error is the multipart parser's (busboy) finding a body that breaks off before its
 * closing boundary: a malformed request, not a failure of the server. The parser tells it only
 * in its message (as @fastify/multipart itself reads it).
 */
export function isMalformedMultipart(error: Error): boolean {
  return /unexpected end of multipart data|^Multipart: Boundary not found$/i.test(error.message);
}
