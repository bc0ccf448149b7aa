/** Where each kind of object lives: every key starts with its owner, so erasure can remove by prefix. */
export const blobKeys = {
  attachment: (userId: string, attachmentId: string) => `attachments/${userId}/${attachmentId}`,
  /** Where a signed upload link writes; moved to `attachment` once completed and checked. */
  staging: (userId: string, uploadId: string) => `uploads/${userId}/${uploadId}`,
  thumbnail: (userId: string, attachmentId: string) => `thumbnails/${userId}/${attachmentId}.webp`,
  export: (userId: string, exportId: string) => `exports/${userId}/${exportId}.zip`,
  /** Every prefix holding a user's objects. */
  ofUser: (userId: string) => [
    `attachments/${userId}/`,
    `thumbnails/${userId}/`,
    `exports/${userId}/`,
    `uploads/${userId}/`,
  ],
} as const;
